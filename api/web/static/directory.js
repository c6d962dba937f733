// The directory editor. Every text from the server is set with textContent: staff text is
// never parsed as HTML (the page runs under a CSP with Trusted Types and no inline code).
const API = "/api/admin/directory";
const CSRF_KEY = "dxe.staff.csrf";
const PLACES_SHOWN = 40;
const $ = (id) => document.getElementById(id);
const state = { data: null, me: null, polling: null, placeFilter: "" };

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function splitNames(text) {
  return text.split(/[,，、;；\n]/).map((part) => part.trim()).filter(Boolean);
}

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = sessionStorage.getItem(CSRF_KEY) || "";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  try { payload = await response.json(); } catch { payload = null; }
  if (!response.ok) {
    const message = (payload && payload.message) || `请求失败（${response.status}）`;
    if (response.status === 401) showLogin();
    throw new HttpError(response.status, message);
  }
  return payload;
}

function say(text, ok) {
  const msg = $("msg");
  msg.textContent = text;
  msg.className = ok ? "msg ok" : "msg bad";
}

function showLogin() {
  $("login").hidden = false;
  $("editor").hidden = true;
  $("logout").hidden = true;
  $("who").textContent = "";
}

async function login(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const signed = await call("POST", "/api/auth/login", {
      name: $("login-name").value.trim(), password: $("login-password").value,
    });
    sessionStorage.setItem(CSRF_KEY, signed.csrf_token);
    $("login-password").value = "";
    await start();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
}

async function logout() {
  try { await call("POST", "/api/auth/logout"); } catch { /* signed out anyway */ }
  sessionStorage.removeItem(CSRF_KEY);
  showLogin();
}

function renderStatus(data) {
  const version = data.version;
  $("version").textContent = `第 ${version.id} 版`;
  $("version-meta").textContent = `${version.author} · ${version.created_at.slice(0, 19).replace("T", " ")} · ${version.note}`;
  const reindex = data.reindex || {};
  $("reindex").textContent = reindex.busy ? "检索索引正在后台更新…"
    : reindex.last_error ? `检索索引更新失败：${reindex.last_error}`
      : reindex.index_stale ? "检索索引等待更新" : "检索索引已是最新";
  const job = data.job;
  const running = job && (job.status === "queued" || job.status === "running");
  $("retrain-banner").hidden = !data.retrain_needed && !running;
  const mayTrain = state.me && state.me.role === "admin";
  $("retrain-start").hidden = !mayTrain;
  $("retrain-start").disabled = Boolean(running);
  $("retrain-hint").hidden = mayTrain;
  renderJob(job);
}

function renderJob(job) {
  const status = $("job-status");
  const error = $("job-error");
  error.hidden = true;
  if (!job) { status.textContent = ""; return; }
  const labels = { queued: "排队中", running: "进行中", succeeded: "成功", failed: "失败" };
  status.dataset.status = job.status;
  status.textContent = `训练任务 #${job.id}（第 ${job.version_id} 版）：${labels[job.status] || job.status} · ${job.step_label}`;
  if (job.status === "succeeded") status.textContent += " · 新模型已加载，对话已使用新名录";
  if (job.status === "failed") {
    status.textContent += " · 已保留原模型";
    error.textContent = job.error || "";
    error.hidden = !job.error;
  }
  const active = job.status === "queued" || job.status === "running";
  if (active && !state.polling) state.polling = setInterval(() => pollJob(job.id), 2000);
  if (!active && state.polling) { clearInterval(state.polling); state.polling = null; }
}

async function pollJob(id) {
  try {
    const job = await call("GET", `${API}/retrain/${id}`);
    renderJob(job);
    if (job.status !== "queued" && job.status !== "running") {
      say(job.status === "succeeded" ? "重新训练完成：新模型已通过测试故事并已加载。"
        : "重新训练失败：已保留原模型，原因见上方。", job.status === "succeeded");
      await load();
    }
  } catch (error) { say(error.message, false); }
}

function fillDistrictSelect(data) {
  const select = $("district-select");
  const chosen = select.value;
  select.replaceChildren(...data.districts.map((d) => {
    const option = el("option", d.name);
    option.value = d.name;
    return option;
  }));
  if (chosen && data.districts.some((d) => d.name === chosen)) select.value = chosen;
  const units = $("p-unit");
  const unit = units.value;
  units.replaceChildren(...data.districts.map((d) => {
    const option = el("option", d.name);
    option.value = d.name;
    return option;
  }));
  if (unit) units.value = unit;
  const kinds = $("p-kind");
  const kind = kinds.value;
  kinds.replaceChildren(...data.kinds.map((k) => {
    const option = el("option", k.label);
    option.value = k.value;
    return option;
  }));
  kinds.value = kind || "park";
  showDistrict();
}

function showDistrict() {
  const district = state.data.districts.find((d) => d.name === $("district-select").value);
  if (!district) return;
  for (const key of ["full_name", "leader", "leader_title", "department", "contact", "phone"]) {
    $(`d-${key}`).value = district[key] || "";
  }
  $("d-aliases").value = (district.aliases || []).join("、");
  $("d-note").value = "";
}

function renderPlaces() {
  const filter = state.placeFilter.toLowerCase();
  const rows = state.data.places.filter((p) => !filter || [p.name, p.unit, ...(p.aliases || []), ...(p.english || [])]
    .some((name) => String(name).toLowerCase().includes(filter)));
  const kindLabel = Object.fromEntries(state.data.kinds.map((k) => [k.value, k.label]));
  $("places-count").textContent = rows.length > PLACES_SHOWN
    ? `共 ${rows.length} 个地点，显示前 ${PLACES_SHOWN} 个；用筛选查找其余。` : `共 ${rows.length} 个地点。`;
  $("places").replaceChildren(...rows.slice(0, PLACES_SHOWN).map((place) => {
    const tr = document.createElement("tr");
    tr.append(el("td", place.name), el("td", kindLabel[place.kind] || place.kind), el("td", place.unit),
      el("td", [...(place.aliases || []), ...(place.english || [])].join("、")));
    const actions = document.createElement("td");
    const edit = el("button", "修改", "secondary");
    edit.type = "button";
    edit.addEventListener("click", () => editPlace(place));
    const remove = el("button", "删除", "secondary");
    remove.type = "button";
    remove.addEventListener("click", () => deletePlace(place));
    actions.append(edit, remove);
    tr.append(actions);
    return tr;
  }));
}

function editPlace(place) {
  $("p-original").value = place.name;
  $("p-name").value = place.name;
  $("p-kind").value = place.kind;
  $("p-unit").value = place.unit;
  $("p-aliases").value = (place.aliases || []).join("、");
  $("p-english").value = (place.english || []).join(", ");
  $("p-note").value = place.note || "";
  $("p-save").textContent = "保存修改";
  $("p-cancel").hidden = false;
  $("p-name").focus();
}

function resetPlaceForm() {
  $("place-form").reset();
  $("p-original").value = "";
  $("p-save").textContent = "添加地点";
  $("p-cancel").hidden = true;
  $("p-kind").value = "park";
}

function renderHistory(audit, versions) {
  $("audit").replaceChildren(...audit.data.map((entry) => {
    const li = el("li", `${entry.at.slice(0, 19).replace("T", " ")} ${entry.actor} ${entry.action} ${entry.subject_id}`);
    const detail = el("pre", `修改前：${JSON.stringify(entry.before)}\n修改后：${JSON.stringify(entry.after)}`);
    li.append(detail);
    return li;
  }));
  $("versions").replaceChildren(...versions.data.map((v) =>
    el("li", `第 ${v.id} 版 · ${v.author} · ${v.created_at.slice(0, 19).replace("T", " ")} · ${v.note}`)));
}

async function load() {
  const [data, audit, versions] = await Promise.all([
    call("GET", API), call("GET", `${API}/audit?limit=50`), call("GET", `${API}/versions?limit=30`),
  ]);
  state.data = data;
  renderStatus(data);
  fillDistrictSelect(data);
  renderPlaces();
  renderHistory(audit, versions);
}

async function saved(promise, text) {
  try {
    const result = await promise;
    say(`${text}（第 ${result.version.id} 版）${result.retrain_needed ? "，需要重新训练对话模型" : ""}`, true);
    await load();
    return true;
  } catch (error) {
    say(error.message, false);
    if (error.status === 409) await load();
    return false;
  }
}

async function saveDistrict(event) {
  event.preventDefault();
  const name = $("district-select").value;
  const body = { base_version: state.data.version.etag, note: $("d-note").value.trim(),
    aliases: splitNames($("d-aliases").value) };
  for (const key of ["full_name", "leader", "leader_title", "department", "contact", "phone"]) {
    body[key] = $(`d-${key}`).value.trim();
  }
  await saved(call("PUT", `${API}/districts/${encodeURIComponent(name)}`, body), `已保存 ${name}`);
}

async function savePlace(event) {
  event.preventDefault();
  const original = $("p-original").value;
  const body = { base_version: state.data.version.etag, name: $("p-name").value.trim(),
    kind: $("p-kind").value, unit: $("p-unit").value, aliases: splitNames($("p-aliases").value),
    english: $("p-english").value.split(/[,，;；\n]/).map((s) => s.trim()).filter(Boolean),
    note: $("p-note").value.trim() };
  const request = original
    ? call("PUT", `${API}/places/${encodeURIComponent(original)}`, body)
    : call("POST", `${API}/places`, body);
  if (await saved(request, `已保存地点 ${body.name}`)) resetPlaceForm();
}

async function deletePlace(place) {
  if (!window.confirm(`删除地点“${place.name}”？`)) return;
  const query = `base_version=${state.data.version.etag}`;
  await saved(call("DELETE", `${API}/places/${encodeURIComponent(place.name)}?${query}`), `已删除 ${place.name}`);
}

async function startRetrain() {
  try {
    const job = await call("POST", `${API}/retrain`, { version: state.data.version.etag });
    say("已开始重新训练，大约需要 2–6 分钟；训练期间原模型继续服务。", true);
    renderJob(job);
    $("retrain-start").disabled = true;
  } catch (error) { say(error.message, false); }
}

async function start() {
  try {
    state.me = await call("GET", "/api/auth/me");
  } catch { showLogin(); return; }
  if (!sessionStorage.getItem(CSRF_KEY)) { showLogin(); return; }
  $("login").hidden = true;
  $("editor").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = `${state.me.name}（${state.me.role}）`;
  try { await load(); } catch (error) { say(error.message, false); }
}

$("login-form").addEventListener("submit", login);
$("logout").addEventListener("click", logout);
$("district-select").addEventListener("change", showDistrict);
$("district-form").addEventListener("submit", saveDistrict);
$("place-form").addEventListener("submit", savePlace);
$("p-cancel").addEventListener("click", resetPlaceForm);
$("p-filter").addEventListener("input", (event) => { state.placeFilter = event.target.value.trim(); renderPlaces(); });
$("retrain-start").addEventListener("click", startRetrain);
start();
