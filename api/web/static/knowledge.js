// The knowledge library page. Staff text is only ever put into the page as text
// (textContent / value), never as HTML: the page runs under Trusted Types with no sinks.
const API = "/api/admin/knowledge";
const state = { csrf: sessionStorage.getItem("dxe.staff.csrf") || "", me: null, current: null, chunks: [] };
const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function say(text, isError) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

async function call(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (response.status === 401) { showLogin(); }
  if (!response.ok) throw new Error((data && data.message) || `请求失败（${response.status}）`);
  return data;
}

// -- sign-in ---------------------------------------------------------------------------------
function showLogin() {
  $("app").hidden = true;
  $("login").hidden = false;
  $("logout").hidden = true;
  $("who").textContent = "";
}

async function start() {
  try {
    const me = await fetch("/api/auth/me", { credentials: "same-origin" });
    if (!me.ok || !state.csrf) { showLogin(); return; }
    state.me = await me.json();
  } catch { showLogin(); return; }
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = `${state.me.name}（${roleLabel(state.me.role)}）`;
  await Promise.all([loadDocuments(), loadSynonyms(), loadJobs(), loadProblems()]);
}

function roleLabel(role) {
  return { admin: "管理员", editor: "编辑", staff: "坐席", liaison: "联络员" }[role] || role;
}
const isAdmin = () => state.me && state.me.role === "admin";

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  const response = await fetch("/api/auth/login", {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: $("login-name").value, password: $("login-password").value }),
  });
  const data = await response.json();
  if (!response.ok) { $("login-error").textContent = data.message || "登录失败"; return; }
  state.csrf = data.csrf_token;
  sessionStorage.setItem("dxe.staff.csrf", state.csrf);
  $("login-password").value = "";
  await start();
});

$("logout").addEventListener("click", async () => {
  await fetch("/api/auth/logout", { method: "POST", credentials: "same-origin" });
  sessionStorage.removeItem("dxe.staff.csrf");
  state.csrf = "";
  showLogin();
});

// -- documents -------------------------------------------------------------------------------
async function loadDocuments() {
  const kind = $("filter-kind").value;
  const data = await call("GET", `${API}/documents${kind ? `?kind=${kind}` : ""}`);
  const list = $("documents");
  list.replaceChildren();
  for (const doc of data.data) {
    const item = el("li");
    const button = el("button", doc.title || doc.id, "doc-link");
    button.type = "button";
    button.dataset.id = doc.id;
    button.addEventListener("click", () => openDocument(doc.id));
    item.append(button, el("span", doc.state_label, `state state-${doc.state}`));
    list.append(item);
  }
}
$("filter-kind").addEventListener("change", () => loadDocuments().catch((e) => say(e.message, true)));

async function openDocument(id) {
  const doc = await call("GET", `${API}/documents/${encodeURIComponent(id)}`);
  showDocument(doc);
  const versions = await call("GET", `${API}/documents/${encodeURIComponent(id)}/versions`);
  showVersions(versions.data);
  showTopics(await call("GET", `${API}/documents/${encodeURIComponent(id)}/topics`));
}

// -- subscription topics: admins tag, editors see ---------------------------------------------
function showTopics(view) {
  const box = $("topics");
  box.replaceChildren();
  for (const topic of view.available) {
    const label = el("label");
    const input = el("input");
    input.type = "checkbox";
    input.value = topic.key;
    input.checked = view.topics.includes(topic.key);
    input.disabled = !isAdmin();
    label.append(input, el("span", topic.name));
    box.append(label);
  }
  $("save-topics").hidden = !isAdmin();
}

async function saveTopics(event) {
  event.preventDefault();
  const id = $("detail").dataset.id;
  const topics = [...$("topics").querySelectorAll("input:checked")].map((input) => input.value);
  try {
    showTopics(await call("PUT", `${API}/documents/${encodeURIComponent(id)}/topics`, { topics }));
    say(topics.length ? "主题已保存：下次发布时通知订阅的企业" : "已清除主题：发布时不通知订阅者");
  } catch (error) { say(error.message, true); }
}

function showDocument(doc) {
  state.current = doc;
  $("detail").hidden = false;
  $("detail").dataset.id = doc.id;
  $("detail-title").textContent = doc.title || "（未命名）";
  $("detail-state").textContent = doc.state_label;
  $("detail-state").className = `state state-${doc.state}`;
  $("detail-live").textContent = doc.live_version ? `线上版本 v${doc.live_version}` : "未上线";
  $("meta-title").value = doc.title || "";
  $("meta-issuer").value = doc.issuer || "";
  $("meta-number").value = doc.doc_number || "";
  $("meta-source").value = doc.source || "";
  $("meta-effective").value = doc.effective_date || "";
  $("meta-expiry").value = doc.expiry_date || "";
  const isFaq = doc.kind === "faq";
  $("faq-form").hidden = !isFaq;
  $("chunks-editor").hidden = isFaq;
  if (isFaq && doc.faq) {
    $("faq-question").value = doc.faq.question;
    $("faq-paraphrases").value = doc.faq.paraphrases.join("\n");
    $("faq-answer").value = doc.faq.answer;
    $("faq-section").value = doc.faq.section || "";
  }
  state.chunks = doc.chunk_list.map((c) => ({ id: c.id, section: c.section, label: c.label, text: c.text }));
  renderChunks();
  renderMoves(doc);
}

function renderMoves(doc) {
  const moves = $("moves");
  moves.replaceChildren();
  const add = (move, label) => {
    const button = el("button", label);
    button.type = "button";
    button.dataset.move = move;
    button.addEventListener("click", () => transition(doc.id, move));
    moves.append(button);
  };
  if (doc.state === "draft") add("submit", "提交审核");
  if (isAdmin() && doc.state === "in_review") { add("publish", "审核通过并发布"); add("return", "退回修改"); }
  if (isAdmin() && doc.live_version && doc.state !== "withdrawn") add("withdraw", "废止");
}

async function transition(id, move) {
  try {
    const result = await call("POST", `${API}/documents/${encodeURIComponent(id)}/transitions`, { move });
    showDocument(result.document);
    say(`已完成：${result.document.state_label}`);
    if (result.index_job) watchJob(result.index_job);
    await loadDocuments();
    await openDocument(id);
  } catch (error) { say(error.message, true); }
}

function showVersions(versions) {
  const list = $("versions");
  list.replaceChildren();
  if (!versions.length) list.append(el("li", "尚无发布版本"));
  for (const version of versions) {
    const item = el("li", `v${version.number} · ${version.note} · ${version.created_by} · ${version.created_at.slice(0, 16).replace("T", " ")}`);
    if (isAdmin() && version.number !== state.current.live_version) {
      const restore = el("button", "恢复此版本");
      restore.type = "button";
      restore.addEventListener("click", async () => {
        try {
          const result = await call("POST", `${API}/documents/${encodeURIComponent(state.current.id)}/versions/${version.number}/restore`);
          if (result.index_job) watchJob(result.index_job);
          await openDocument(state.current.id);
          say(`已恢复 v${version.number}`);
        } catch (error) { say(error.message, true); }
      });
      item.append(" ", restore);
    }
    list.append(item);
  }
}

$("topics-form").addEventListener("submit", saveTopics);

$("meta-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = state.current.id;
  try {
    const doc = await call("PUT", `${API}/documents/${encodeURIComponent(id)}/metadata`, {
      title: $("meta-title").value, issuer: $("meta-issuer").value, source: $("meta-source").value,
      doc_number: $("meta-number").value || null, effective_date: $("meta-effective").value || null,
      expiry_date: $("meta-expiry").value || null,
    });
    showDocument(doc);
    say("信息已保存");
    await loadDocuments();
  } catch (error) { say(error.message, true); }
});

// -- the split: edit, merge, split, add, remove ----------------------------------------------
function renderChunks() {
  const list = $("chunks");
  list.replaceChildren();
  $("chunk-count").textContent = String(state.chunks.length);
  state.chunks.forEach((chunk, index) => {
    const item = el("li", undefined, "chunk");
    const section = el("input");
    section.value = chunk.section;
    section.maxLength = 200;
    section.className = "chunk-section";
    section.setAttribute("aria-label", `第${index + 1}段标题`);
    section.addEventListener("input", () => { chunk.section = section.value; });
    const text = el("textarea");
    text.value = chunk.text;
    text.rows = Math.min(8, Math.max(2, Math.ceil(chunk.text.length / 60)));
    text.className = "chunk-text";
    text.setAttribute("aria-label", `第${index + 1}段正文`);
    text.addEventListener("input", () => { chunk.text = text.value; });
    const tools = el("div", undefined, "chunk-tools");
    const tool = (label, action) => {
      const button = el("button", label);
      button.type = "button";
      button.addEventListener("click", action);
      tools.append(button);
    };
    if (index < state.chunks.length - 1) tool("与下一段合并", () => {
      const next = state.chunks[index + 1];
      chunk.text = `${chunk.text}\n${next.text}`;
      chunk.id = null;
      state.chunks.splice(index + 1, 1);
      renderChunks();
    });
    tool("在光标处拆分", () => {
      const at = text.selectionStart || Math.floor(chunk.text.length / 2);
      const before = chunk.text.slice(0, at).trim();
      const after = chunk.text.slice(at).trim();
      if (!before || !after) { say("请把光标放在要拆开的位置", true); return; }
      chunk.text = before;
      chunk.id = null;
      state.chunks.splice(index + 1, 0, { id: null, section: chunk.section, label: null, text: after });
      renderChunks();
    });
    tool("删除", () => { state.chunks.splice(index, 1); renderChunks(); });
    item.append(section, text, tools);
    list.append(item);
  });
}

$("add-chunk").addEventListener("click", () => {
  state.chunks.push({ id: null, section: "新段落", label: null, text: "" });
  renderChunks();
});

$("save-chunks").addEventListener("click", async () => {
  try {
    const doc = await call("PUT", `${API}/documents/${encodeURIComponent(state.current.id)}/chunks`, {
      chunks: state.chunks.map((c) => ({ id: c.id, section: c.section, label: c.label, text: c.text })),
    });
    showDocument(doc);
    say("分段已保存");
  } catch (error) { say(error.message, true); }
});

// -- upload ----------------------------------------------------------------------------------
function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(new Error("无法读取文件"));
    reader.readAsDataURL(file);
  });
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  try {
    say("正在上传并分段…");
    const doc = await call("POST", `${API}/documents/upload`, {
      filename: file.name, content_base64: await readBase64(file),
      title: $("upload-title").value, issuer: $("upload-issuer").value,
      doc_number: $("upload-number").value || null, source: $("upload-source").value || file.name,
      effective_date: $("upload-effective").value || null, expiry_date: $("upload-expiry").value || null,
    });
    showDocument(doc);
    showVersions([]);
    say(`已分为 ${doc.chunks} 段，请核对后提交审核`);
    await loadDocuments();
  } catch (error) { say(error.message, true); }
});

// -- FAQs ------------------------------------------------------------------------------------
function faqBody() {
  const doc = state.current;
  return {
    question: $("faq-question").value, answer: $("faq-answer").value,
    paraphrases: $("faq-paraphrases").value.split("\n").map((p) => p.trim()).filter(Boolean),
    section: $("faq-section").value || null, title: $("meta-title").value || doc.title || "",
    issuer: $("meta-issuer").value || "", doc_number: $("meta-number").value || null,
    source: $("meta-source").value || "", effective_date: $("meta-effective").value || null,
    expiry_date: $("meta-expiry").value || null,
  };
}

$("faq-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const doc = await call("PUT", `${API}/faqs/${encodeURIComponent(state.current.id)}`, faqBody());
    showDocument(doc);
    say("问答已保存");
  } catch (error) { say(error.message, true); }
});

$("new-faq").addEventListener("click", async () => {
  try {
    const doc = await call("POST", `${API}/faqs`, { question: "新问题", answer: "" });
    showDocument(doc);
    showVersions([]);
    await loadDocuments();
  } catch (error) { say(error.message, true); }
});

// -- problem list → FAQ drafts ---------------------------------------------------------------
async function loadProblems() {
  const list = $("problems");
  let data;
  try {
    data = await call("GET", "/api/staff/problems?status=open&items=5");
  } catch (error) {
    list.replaceChildren(el("li", error.message, "error"));
    return;
  }
  list.replaceChildren();
  if (!data.data.length) list.append(el("li", "目前没有待处理的问题。", "hint"));
  for (const group of data.data.slice(0, 30)) {
    const item = el("li");
    item.dataset.group = group.id;
    const head = el("p");
    head.append(el("strong", group.label), el("span", ` · ${group.size} 次 · ${Object.values(group.kind_labels).join("、")}`, "hint"));
    const examples = el("ul", null, "examples");
    for (const example of group.items) examples.append(el("li", example.text));
    const draft = el("button", "生成问答草稿");
    draft.type = "button";
    draft.addEventListener("click", async () => {
      draft.disabled = true;
      try {
        const doc = await call("POST", `/api/admin/problems/${encodeURIComponent(group.id)}/faq-draft`);
        say(`已生成问答草稿“${group.label}”，请补上答案和引用条款后提交审核。`);
        await loadDocuments();
        await openDocument(doc.id);
      } catch (error) {
        say(error.message, true);
        draft.disabled = false;
      }
    });
    item.append(head, examples, draft);
    list.append(item);
  }
}

// -- synonyms --------------------------------------------------------------------------------
async function loadSynonyms() {
  const data = await call("GET", `${API}/synonyms`);
  const list = $("synonyms");
  list.replaceChildren();
  for (const row of data.data) {
    const item = el("li", `${row.term} → ${row.canonical} `);
    const remove = el("button", "删除");
    remove.type = "button";
    remove.addEventListener("click", async () => {
      try {
        const result = await call("DELETE", `${API}/synonyms/${encodeURIComponent(row.term)}`);
        watchJob(result.index_job);
        await loadSynonyms();
      } catch (error) { say(error.message, true); }
    });
    item.append(remove);
    list.append(item);
  }
}

$("synonym-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const result = await call("PUT", `${API}/synonyms/${encodeURIComponent($("synonym-term").value.trim())}`,
      { canonical: $("synonym-canonical").value });
    watchJob(result.index_job);
    $("synonym-term").value = "";
    $("synonym-canonical").value = "";
    await loadSynonyms();
  } catch (error) { say(error.message, true); }
});

// -- index jobs ------------------------------------------------------------------------------
function describeJob(job) {
  const progress = job.state === "embedding" && job.total ? `：${job.done} / ${job.total}` : "";
  return `索引任务 #${job.id} ${job.state_label}${progress}${job.detail ? ` · ${job.detail}` : ""}`;
}

async function loadJobs() {
  const data = await call("GET", `${API}/index/jobs?limit=1`);
  const line = $("index-status");
  line.dataset.state = data.data.length ? data.data[0].state : "none";
  line.textContent = data.data.length ? describeJob(data.data[0]) : (data.serving ? "索引在线" : `索引未上线：${data.detail}`);
}

function watchJob(id) {
  const line = $("index-status");
  const tick = async () => {
    try {
      const job = await call("GET", `${API}/index/jobs/${id}`);
      line.textContent = describeJob(job);
      line.dataset.state = job.state;
      line.dataset.job = String(job.id);
      if (job.state !== "published" && job.state !== "failed") setTimeout(tick, 1000);
    } catch (error) { say(error.message, true); }
  };
  tick();
}

start().catch((error) => say(error.message, true));
