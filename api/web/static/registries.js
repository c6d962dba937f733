// The registries page (登记名录): the active version of each list, upload → preview (counts,
// first rows, rejected rows with reasons) → activate, and the version history. Imported
// text is only ever set with textContent: a name in a file stays text, whatever it holds.
const API = "/api/admin/registries";
const CSRF_KEY = "dxe.staff.csrf";
const KINDS = ["hightech", "incubator", "commissioner"];
const STATUS = { preview: "预览（未启用）", active: "当前生效", replaced: "已被替换" };
const ROLES = { admin: "管理员", editor: "知识库编辑", staff: "热线坐席", liaison: "区联络员" };
const $ = (id) => document.getElementById(id);
const state = { me: null, format: null, labels: {}, opened: null };

function node(tag, text, className) {
  const made = document.createElement(tag);
  if (text !== undefined && text !== null) made.textContent = String(text);
  if (className) made.className = className;
  return made;
}

function when(iso) {
  return iso ? String(iso).slice(0, 16).replace("T", " ") : "";
}

function note(text, tone) {
  $("msg").textContent = text || "";
  $("msg").className = tone ? `msg ${tone}` : "msg";
}

class Refused extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/** A JSON request to this origin; a refusal throws with the Chinese half of its message. */
async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = sessionStorage.getItem(CSRF_KEY) || "";
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Refused(0, "网络连接失败，请检查网络后重试");
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  if (response.status === 401 && path !== "/api/auth/login") signedOut();
  const message = data && typeof data.message === "string" ? data.message.split(" / ")[0] : "";
  throw new Refused(response.status, message || `请求失败（${response.status}）`);
}

/** A table from [header, value-of-row] pairs; ``empty`` when there are no rows. */
function table(target, columns, rows, empty) {
  const head = node("thead");
  const headRow = node("tr");
  for (const [label] of columns) headRow.append(node("th", label));
  head.append(headRow);
  const body = node("tbody");
  for (const row of rows) {
    const line = node("tr");
    for (const [, value] of columns) {
      const cell = node("td");
      const shown = value(row);
      if (shown instanceof Node) cell.append(shown);
      else cell.textContent = shown === null || shown === undefined ? "" : String(shown);
      line.append(cell);
    }
    body.append(line);
  }
  if (!rows.length) {
    const line = node("tr");
    const cell = node("td", empty, "muted");
    cell.colSpan = columns.length;
    line.append(cell);
    body.append(line);
  }
  target.replaceChildren(head, body);
}

// ---------------------------------------------------------------- sign-in

function signedOut() {
  state.me = null;
  sessionStorage.removeItem(CSRF_KEY);
  $("app").hidden = true;
  $("no-access").hidden = true;
  $("login").hidden = false;
  $("logout").hidden = true;
  $("who").textContent = "";
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const signed = await request("POST", "/api/auth/login",
      { name: $("login-name").value.trim(), password: $("login-password").value });
    sessionStorage.setItem(CSRF_KEY, signed.csrf_token);
    $("login-password").value = "";
    await start();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  try { await request("POST", "/api/auth/logout"); } catch { /* signed out anyway */ }
  signedOut();
});

// ---------------------------------------------------------------- the lists and their versions

const isAdmin = () => state.me && state.me.role === "admin";

function versionLine(version) {
  return `第 ${version.id} 版 · ${version.source} · 公布于 ${version.published_on} · ${version.row_count} 条`;
}

function renderRegistries(actives) {
  $("registries").replaceChildren(...state.format.data.map((fmt) => {
    const card = node("article", null, "card registry");
    card.dataset.kind = fmt.kind;
    card.append(node("h2", fmt.label));
    const active = actives[fmt.kind];
    if (!active) {
      card.append(node("p", "尚未导入。", "state none"),
        node("p", `对话中会说明名单还没有导入，并请企业在${fmt.official}中查询。`, "muted"));
      return card;
    }
    const facts = node("dl", null, "facts");
    const fact = (name, value) => {
      const wrap = node("div");
      wrap.append(node("dt", name), node("dd", value));
      facts.append(wrap);
    };
    fact("来源", active.source);
    fact("公布日期", active.published_on);
    fact("条数", `${active.row_count} 条（未导入 ${active.rejected_count} 行）`);
    fact("启用", `${active.activated_by || ""} · ${when(active.activated_at)}`);
    card.append(node("p", `当前生效：第 ${active.id} 版`, "state active"), facts);
    if (active.generated) card.append(node("p", "生成的测试数据，非真实名单", "badge warn"));
    const open = node("button", "查看", "secondary");
    open.type = "button";
    open.addEventListener("click", () => openVersion(active.id));
    card.append(open);
    return card;
  }));
}

function renderVersions(versions) {
  const open = (version) => {
    const button = node("button", "查看", "secondary small");
    button.type = "button";
    button.addEventListener("click", () => openVersion(version.id));
    return button;
  };
  table($("versions"), [
    ["版本", (v) => `第 ${v.id} 版`], ["名单", (v) => v.label],
    ["状态", (v) => node("span", STATUS[v.status] || v.status, `state ${v.status}`)],
    ["来源", (v) => v.source], ["公布日期", (v) => v.published_on], ["文件", (v) => v.filename],
    ["条数", (v) => v.row_count], ["未导入", (v) => v.rejected_count],
    ["导入", (v) => `${v.imported_by} · ${when(v.imported_at)}`],
    ["启用", (v) => (v.activated_at ? `${v.activated_by} · ${when(v.activated_at)}` : "")],
    ["", open],
  ], versions, "还没有导入过名单。");
}

/** Each list's versions (newest 200), its active one on its card, all of them in the history. */
async function load() {
  const lists = await Promise.all(KINDS.map((k) => request("GET", `${API}/versions?kind=${k}&limit=200`)));
  const active = {};
  KINDS.forEach((k, i) => { active[k] = lists[i].data.find((v) => v.status === "active"); });
  renderRegistries(active);
  const kind = $("versions-kind").value;
  const all = lists.flatMap((list) => list.data).filter((v) => !kind || v.kind === kind);
  renderVersions(all.sort((a, b) => b.id - a.id));
}

// ---------------------------------------------------------------- preview and activation

function columnsOf(kind) {
  const fmt = state.format.data.find((f) => f.kind === kind);
  return [["行号", (r) => r.row], ...fmt.columns.map((c) => [c.header, (r) => r[c.field]])];
}

function showPreview(preview) {
  const version = preview.version;
  state.opened = version;
  $("preview").hidden = false;
  $("preview").dataset.version = version.id;
  $("preview-title").textContent = `第 ${version.id} 版 · ${version.label}`;
  const status = $("preview-status");
  status.textContent = STATUS[version.status] || version.status;
  status.className = `state ${version.status}`;
  const facts = $("preview-facts");
  facts.replaceChildren();
  for (const [name, value] of [["文件", `${version.filename}（${version.encoding}）`],
    ["来源", version.source], ["公布日期", version.published_on],
    ["导入", `${version.row_count} 条`], ["未导入", `${version.rejected_count} 行`],
    ["导入人", `${version.imported_by} · ${when(version.imported_at)}`]]) {
    const wrap = node("div");
    wrap.append(node("dt", name), node("dd", value));
    facts.append(wrap);
  }
  if (version.generated) {
    const wrap = node("div");
    wrap.append(node("dt", "标记"), node("dd", "生成的测试数据，非真实名单"));
    facts.append(wrap);
  }
  $("rows-title").textContent = `前 ${preview.rows.length} 行（共 ${version.row_count} 条）`;
  table($("preview-rows"), columnsOf(version.kind), preview.rows, "没有可导入的行。");
  $("rejected-title").textContent = `未导入的行（${version.rejected_count} 行）`;
  table($("preview-rejected"), [["行号", (r) => `第 ${r.row} 行`], ["原因", (r) => r.reason]],
    preview.rejected, "每一行都已导入。");
  const activatable = isAdmin() && version.status !== "active";
  $("activate").hidden = !activatable;
  $("activate-note").textContent = version.status === "active" ? "这是当前生效的版本。"
    : isAdmin() ? "启用后对话将按这份名单回答。" : "只有管理员可以启用。";
}

async function openVersion(id) {
  try {
    showPreview(await request("GET", `${API}/versions/${id}`));
    $("preview").scrollIntoView({ block: "start" });
  } catch (error) { note(error.message, "bad"); }
}

$("activate").addEventListener("click", () => {
  const version = state.opened;
  if (!version) return;
  const dialog = $("dlg-activate");
  dialog.querySelector(".error").textContent = "";
  $("activate-text").textContent = `启用“${version.label}”第 ${version.id} 版（${version.row_count} 条，`
    + `${version.source}，公布于 ${version.published_on}）？原来生效的版本会被替换，以后仍可在版本记录中重新启用。`;
  dialog.showModal();
});

$("form-activate").addEventListener("submit", async (event) => {
  event.preventDefault();
  const version = state.opened;
  const dialog = $("dlg-activate");
  try {
    const done = await request("POST", `${API}/versions/${version.id}/activate`);
    dialog.close();
    note(`已启用“${done.version.label}”第 ${done.version.id} 版，对话现在按它回答。`, "ok");
    await Promise.all([load(), openVersion(version.id)]);
  } catch (error) {
    dialog.querySelector(".error").textContent = error.message;
  }
});

for (const close of document.querySelectorAll("[data-close]")) {
  close.addEventListener("click", () => close.closest("dialog").close());
}

// ---------------------------------------------------------------- upload

async function fileBase64(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return btoa(binary);
}

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("upload-file").files[0];
  if (!file) return;
  if (file.size > state.format.max_file_bytes) {
    note(`文件太大：最多 ${Math.floor(state.format.max_file_bytes / 1048576)} MB。`, "bad");
    return;
  }
  $("upload-submit").disabled = true;
  note("正在上传并检查…");
  try {
    const preview = await request("POST", `${API}/imports`, {
      kind: $("upload-kind").value, filename: file.name, content_base64: await fileBase64(file),
      source: $("upload-source").value.trim(), published_on: $("upload-date").value });
    const version = preview.version;
    note(`已上传为第 ${version.id} 版（预览）：可导入 ${version.row_count} 条，未导入 ${version.rejected_count} 行。请核对后启用。`, "ok");
    showPreview(preview);
    $("upload-form").reset();
    await load();
  } catch (error) {
    note(error.message, "bad");
  } finally {
    $("upload-submit").disabled = false;
  }
});

$("versions-kind").addEventListener("change", () => load().catch((error) => note(error.message, "bad")));

// ---------------------------------------------------------------- the import format

function renderFormat(format) {
  $("format-files").textContent = `文件：${format.file_types.join("、")}（CSV 编码 ${format.encodings.join("、")}），`
    + `最大 ${Math.floor(format.max_file_bytes / 1048576)} MB。${format.comments}。`;
  $("format-tables").replaceChildren(...format.data.map((fmt) => {
    const wrap = node("div", null, "format");
    const target = node("table");
    table(target, [["列名", (c) => c.header], ["必填", (c) => (c.required ? "是" : "否")],
      ["说明", (c) => c.note], ["也可写作", (c) => c.also_accepted.join("、")]], fmt.columns, "");
    wrap.append(node("h3", `${fmt.label}（${fmt.kind}）`), target);
    return wrap;
  }));
  for (const select of [$("upload-kind"), $("versions-kind")]) {
    select.append(...format.data.map((fmt) => {
      const option = node("option", fmt.label);
      option.value = fmt.kind;
      return option;
    }));
  }
}

// ---------------------------------------------------------------- start

async function start() {
  if (!sessionStorage.getItem(CSRF_KEY)) { signedOut(); return; }
  try {
    state.me = await request("GET", "/api/auth/me");
  } catch { signedOut(); return; }
  $("login").hidden = true;
  $("logout").hidden = false;
  $("who").textContent = `${state.me.name}（${ROLES[state.me.role] || state.me.role}）`;
  try {
    if (!state.format) {
      state.format = await request("GET", `${API}/format`);
      renderFormat(state.format);
    }
  } catch (error) {
    if (error.status !== 403) throw error;
    $("no-access").hidden = false;
    return;
  }
  $("app").hidden = false;
  $("upload-form").hidden = !isAdmin();
  $("upload-denied").hidden = isAdmin();
  await load();
}

start()
  .catch((error) => note(error.message, "bad"))
  .finally(() => { document.documentElement.dataset.ready = "1"; });
