// 店小二 admin console. Vanilla ES module; same-origin requests only; ECharts (vendored,
// served from /admin/assets/) draws on canvas. Every text from the server or a person is
// rendered with textContent / createElement, never parsed as HTML.

// ECharts clears its chart container by assigning it an empty HTML string. Under Trusted Types (the CSP
// allows only this "default" policy) that needs a policy: this one lets exactly the empty
// string through; any other HTML is refused.
if (window.trustedTypes && window.trustedTypes.createPolicy) {
  window.trustedTypes.createPolicy("default", {
    createHTML: (value) => {
      if (value === "") return "";
      throw new TypeError("HTML strings are not allowed on this page");
    },
  });
}

const CSRF_KEY = "dxe.staff.csrf";
const DAY_MS = 86400000;
const ROLE_LABELS = { staff: "热线坐席", liaison: "区联络员", editor: "知识库编辑", admin: "管理员" };
const TAB_ROLES = { dashboard: ["admin"], try: ["admin", "editor"], accounts: ["admin"],
  audit: ["admin"] };
const OUTCOME_CLASS = { answered: "answered", declined: "declined", referred: "referred",
  handoff: "handoff" };

const $ = (id) => document.getElementById(id);
const charts = new Map();
let member = null;

// ---------------------------------------------------------------- DOM helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function flash(text, bad = false) {
  const box = $("flash");
  box.textContent = text;
  box.classList.toggle("bad", bad);
  box.hidden = !text;
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

function number(value, digits = 3) {
  return value === null || value === undefined ? "—" : Number(value).toFixed(digits);
}

/** A table from column specs [{key, label, format?, className?}] and row objects. */
function fillTable(table, columns, rows, rowClass) {
  clear(table);
  const head = el("thead");
  const headRow = el("tr");
  for (const column of columns) headRow.append(el("th", null, column.label));
  head.append(headRow);
  const body = el("tbody");
  if (!rows.length) {
    const row = el("tr");
    const cell = el("td", "muted", "没有数据");
    cell.colSpan = columns.length;
    row.append(cell);
    body.append(row);
  }
  for (const item of rows) {
    const row = el("tr", rowClass ? rowClass(item) : null);
    for (const column of columns) {
      const cell = el("td", column.className || null);
      const value = column.format ? column.format(item[column.key], item, cell) : item[column.key];
      if (value instanceof Node) cell.append(value);
      else cell.textContent = value === null || value === undefined ? "" : String(value);
      row.append(cell);
    }
    body.append(row);
  }
  table.append(head, body);
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && (data.message || data.detail)) || `请求失败（${response.status}）`;
    if (response.status === 401 && path !== "/api/auth/login") showLogin("登录已过期，请重新登录。");
    throw new ApiError(response.status, typeof message === "string" ? message : "请求失败");
  }
  return data;
}

// ---------------------------------------------------------------- sign-in

function showOnly(view) {
  for (const id of ["login-view", "password-view", "console-view"]) $(id).hidden = id !== view;
}

function showLogin(message) {
  member = null;
  sessionStorage.removeItem(CSRF_KEY);
  $("who").hidden = true;
  showOnly("login-view");
  const error = $("login-error");
  error.textContent = message || "";
  error.hidden = !message;
  $("login-name").focus();
}

async function start() {
  if (!sessionStorage.getItem(CSRF_KEY)) {  // without it no change could be sent: sign in
    showLogin();
    return;
  }
  try {
    enter(await api("GET", "/api/auth/me"));
  } catch {
    showLogin();
  }
}

function enter(me) {
  member = me;
  $("who-name").textContent = `${me.name}（${ROLE_LABELS[me.role] || me.role}${me.district ? " · " + me.district : ""}）`;
  $("who").hidden = false;
  showOnly("console-view");
  const allowed = Object.keys(TAB_ROLES).filter((tab) => TAB_ROLES[tab].includes(me.role));
  for (const button of document.querySelectorAll(".tab")) {
    button.hidden = !allowed.includes(button.dataset.tab);
  }
  $("no-access").hidden = allowed.length > 0;
  if (!allowed.length) return;
  const wanted = location.hash.slice(1);
  openTab(allowed.includes(wanted) ? wanted : allowed[0]);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = event.submitter;
  if (button) button.disabled = true;
  try {
    const signed = await api("POST", "/api/auth/login", {
      name: $("login-name").value.trim(), password: $("login-password").value });
    sessionStorage.setItem(CSRF_KEY, signed.csrf_token);
    $("login-password").value = "";
    $("login-error").hidden = true;
    flash("");
    enter(signed);
  } catch (error) {
    $("login-error").textContent = error.status === 401 ? "用户名或密码不对。" : error.message;
    $("login-error").hidden = false;
  } finally {
    if (button) button.disabled = false;
  }
});

$("btn-logout").addEventListener("click", async () => {
  try {
    await api("POST", "/api/auth/logout");
  } finally {
    showLogin();
    flash("已退出。");
  }
});

$("btn-password").addEventListener("click", () => {
  showOnly("password-view");
  $("password-error").hidden = true;
  $("old-password").focus();
});
$("password-cancel").addEventListener("click", () => showOnly("console-view"));

$("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/auth/password", {
      old_password: $("old-password").value, new_password: $("new-password").value });
    $("old-password").value = "";
    $("new-password").value = "";
    showLogin();
    flash("密码已修改，请用新密码重新登录。");
  } catch (error) {
    $("password-error").textContent = error.message;
    $("password-error").hidden = false;
  }
});

// ---------------------------------------------------------------- tabs

function openTab(name) {
  for (const button of document.querySelectorAll(".tab")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== `tab-${name}`;
  history.replaceState(null, "", `#${name}`);
  if (name === "dashboard") loadDashboard();
  if (name === "accounts") loadAccounts();
  if (name === "audit") loadAudit();
  if (name === "try") $("try-text").focus();
}

for (const button of document.querySelectorAll(".tab")) {
  button.addEventListener("click", () => openTab(button.dataset.tab));
}

// ---------------------------------------------------------------- dashboard

function isoDay(date) {
  const local = new Date(date.getTime() + 8 * 3600000);  // Beijing days
  return local.toISOString().slice(0, 10);
}

function initRange() {
  if ($("range-to").value) return;
  const now = new Date();
  $("range-to").value = isoDay(now);
  $("range-from").value = isoDay(new Date(now.getTime() - 29 * DAY_MS));
}

function rangeQuery() {
  return new URLSearchParams({ from: $("range-from").value, to: $("range-to").value }).toString();
}

function chart(id) {
  if (!window.echarts) throw new Error("图表组件没有加载（/admin/assets/echarts.min.js）");
  let instance = charts.get(id);
  if (!instance) {
    instance = window.echarts.init($(id), null, { renderer: "canvas" });
    charts.set(id, instance);
  }
  return instance;
}

const TOOLTIP = { trigger: "axis", renderMode: "richText" };  // no HTML tooltips (Trusted Types)
const GRID = { left: 48, right: 16, top: 36, bottom: 40 };

function draw(id, option) {
  chart(id).setOption({ animation: false, grid: GRID, tooltip: TOOLTIP,
    legend: { top: 0 }, ...option }, true);
}

function days(rows) {
  return rows.map((row) => row.day.slice(5));
}

function drawConversations(table, dayRows) {
  const channels = [...new Set(table.rows.map((row) => row.channel))].sort();
  const allDays = dayRows.map((row) => row.day);
  const series = channels.map((channel) => ({
    name: channel, type: "bar", stack: "all",
    data: allDays.map((day) => {
      const found = table.rows.find((row) => row.day === day && row.channel === channel);
      return found ? found.conversations : 0;
    }),
  }));
  draw("chart-conversations", { xAxis: { type: "category", data: days(dayRows) },
    yAxis: { type: "value", minInterval: 1 }, series });
}

function drawRates(table) {
  const line = (name, key) => ({ name, type: "line", connectNulls: false,
    data: table.rows.map((row) => row[key] === null ? null : Math.round(row[key] * 1000) / 10) });
  draw("chart-rates", { xAxis: { type: "category", data: days(table.rows) },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [line("答复率", "answer_rate"), line("拒答率", "decline_rate"), line("转介率", "referral_rate")] });
}

function drawVotes(table) {
  const bar = (name, key) => ({ name, type: "bar", stack: "votes", data: table.rows.map((row) => row[key]) });
  draw("chart-votes", { xAxis: { type: "category", data: days(table.rows) },
    yAxis: { type: "value", minInterval: 1 }, series: [bar("有用", "helpful"), bar("没用", "not_helpful")] });
}

function drawRatings(table) {
  draw("chart-ratings", { tooltip: { trigger: "item", renderMode: "richText" },
    xAxis: { type: "category", data: table.rows.map((row) => row.label) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "评价数", type: "bar", data: table.rows.map((row) => row.count) }] });
}

function drawDistricts(table) {
  const bar = (name, key) => ({ name, type: "bar", data: table.rows.map((row) => row[key]) });
  draw("chart-districts", { xAxis: { type: "category", data: table.rows.map((row) => row.district),
    axisLabel: { interval: 0, rotate: 30 } }, yAxis: { type: "value", minInterval: 1 },
    grid: { ...GRID, bottom: 64 },
    series: [bar("工单数", "tickets"), bar("已办结", "resolved"), bar("已超期", "overdue")] });
}

function drawDeadlines(table) {
  const bar = (name, key) => ({ name, type: "bar", stack: "deadline", data: table.rows.map((row) => row[key]) });
  draw("chart-deadlines", {
    xAxis: { type: "category", data: table.rows.map((row) => `${row.label}（按时率 ${percent(row.on_time_rate)}）`) },
    yAxis: { type: "value", minInterval: 1 },
    series: [bar("按时", "on_time"), bar("超时完成", "late"), bar("超期未完成", "overdue"), bar("未到期", "pending")] });
}

function drawSummary(summary) {
  const box = $("summary");
  clear(box);
  const metrics = [["会话数", summary.conversations], ["消息数", summary.messages],
    ["答复率", percent(summary.answer_rate)], ["拒答率", percent(summary.decline_rate)],
    ["转介率", percent(summary.referral_rate)], ["答案有用率", percent(summary.helpful_rate)],
    ["好评率（满意及以上）", percent(summary.satisfaction_rate)], ["工单数", summary.tickets],
    ["办结按时率", percent(summary.on_time_rate)], ["当前超期", summary.overdue]];
  for (const [label, value] of metrics) {
    const metric = el("div", "metric");
    metric.append(el("div", "value", value), el("div", "label", label));
    box.append(metric);
  }
}

function addCsvLinks(query) {
  for (const card of document.querySelectorAll("[data-table]")) {
    let link = card.querySelector("a.csv");
    if (!link) {
      link = el("a", "button csv", "导出 CSV");
      link.setAttribute("download", "");
      const title = card.querySelector("h3");
      const head = el("div", "card-head");
      title.replaceWith(head);
      head.append(title, link);
    }
    link.href = `/api/admin/dashboard/${card.dataset.table}.csv?${query}`;
  }
}

async function loadDashboard() {
  initRange();
  const query = rangeQuery();
  $("range-note").textContent = "加载中…";
  try {
    const board = await api("GET", `/api/admin/dashboard?${query}`);
    const tables = board.tables;
    drawSummary(board.summary);
    drawConversations(tables.conversations, tables.rates.rows);
    drawRates(tables.rates);
    drawVotes(tables.votes);
    drawRatings(tables.ratings);
    drawDistricts(tables.districts);
    drawDeadlines(tables.deadlines);
    fillTable($("overdue-table"), tables.overdue.columns.map((column) => ({ ...column,
      className: column.key === "overdue_hours" ? "num" : column.key === "question" ? "pre" : null })),
    tables.overdue.rows);
    addCsvLinks(query);
    $("range-note").textContent = `${board.from} 至 ${board.to}（北京时间）`;
  } catch (error) {
    $("range-note").textContent = "";
    flash(error.message, true);
  }
}

$("range-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadDashboard();
});

window.addEventListener("resize", () => {
  for (const instance of charts.values()) instance.resize();
});

// ---------------------------------------------------------------- 试一试

function section(title) {
  const box = el("section", "card");
  box.append(el("h3", null, title));
  return box;
}

function renderDecision(decision) {
  const box = section("决定");
  box.classList.add("decision");
  const css = OUTCOME_CLASS[decision.outcome];
  if (css) box.classList.add(css);
  box.append(el("p", "outcome", decision.label));
  box.dataset.outcome = decision.outcome;
  box.append(el("p", "why", decision.why));
  const facts = el("p", "muted");
  facts.textContent = `意图：${decision.intent || "—"}　答案置信度：${number(decision.confidence)}` +
    (decision.degraded ? "　（直接模式：Rasa 不可用）" : "");
  box.append(facts);
  for (const text of decision.replies) box.append(el("div", "reply", text));
  for (const citation of decision.citations) {
    box.append(el("p", "muted", `引用：《${citation.title}》${citation.section || ""}`));
  }
  return box;
}

function renderNlu(nlu) {
  const box = section("NLU（Rasa）");
  box.classList.add("nlu");
  if (!nlu.available) {
    box.append(el("p", "badge off", nlu.message));
    return box;
  }
  box.append(el("p", null, `意图：${nlu.intent}　置信度：${number(nlu.confidence)}`));
  const ranking = el("p", "muted");
  ranking.textContent = "候选意图：" + nlu.ranking.map((item) => `${item.name} ${number(item.confidence)}`).join("，");
  box.append(ranking);
  const entities = nlu.entities.length
    ? nlu.entities.map((item) => `${item.entity}＝${item.value}`).join("，") : "无";
  box.append(el("p", null, `实体：${entities}`));
  return box;
}

function renderRetrieval(retrieval) {
  const box = section("检索（向量 + BM25 融合）");
  box.classList.add("retrieval");
  if (!retrieval.available) {
    box.append(el("p", "badge off", retrieval.message));
    return box;
  }
  box.append(el("p", null,
    `校准置信度 ${number(retrieval.confidence)}，阈值 ${number(retrieval.threshold)}` +
    (retrieval.threshold !== retrieval.answer_threshold ? `（一般阈值 ${number(retrieval.answer_threshold)}）` : "") +
    (retrieval.referral ? `，涉及其他部门：${retrieval.referral}` : "")));
  box.append(el("p", "muted", retrieval.reason));
  const table = el("table", "candidates");
  fillTable(table, [
    { key: "rank", label: "名次", className: "num" },
    { key: "title", label: "来源", format: (value, row) => `《${value}》${row.section || ""}` },
    { key: "unit", label: "匹配单元" },
    { key: "dense", label: "向量相似度（名次）", className: "num", format: (value, row) => `${number(value)}（${row.dense_rank}）` },
    { key: "bm25", label: "BM25（名次）", className: "num", format: (value, row) => row.bm25_rank ? `${number(value, 2)}（${row.bm25_rank}）` : "未命中" },
    { key: "fused", label: "融合分", className: "num", format: (value) => number(value) },
    { key: "confidence", label: "校准置信度", className: "num", format: (value) => number(value) },
  ], retrieval.candidates);
  const wrap = el("div", "table-wrap");
  wrap.append(table);
  box.append(wrap);
  return box;
}

$("try-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("try-text").value.trim();
  if (!text) return;
  const result = $("try-result");
  const button = $("try-send");
  button.disabled = true;
  clear(result);
  result.append(el("p", "muted", "分析中…"));
  try {
    const trace = await api("POST", "/api/admin/try", { text });
    clear(result);
    result.append(renderDecision(trace.decision), renderNlu(trace.nlu), renderRetrieval(trace.retrieval));
  } catch (error) {
    clear(result);
    result.append(el("p", "error", error.message));
  } finally {
    button.disabled = false;
  }
});

// ---------------------------------------------------------------- accounts

$("account-role").addEventListener("change", () => {
  $("account-district-label").hidden = $("account-role").value !== "liaison";
});

async function setActive(account, active) {
  try {
    await api("POST", `/api/admin/staff/${account.id}/${active ? "enable" : "disable"}`);
    flash(`${account.name} 已${active ? "启用" : "停用"}。`);
    loadAccounts();
  } catch (error) {
    flash(error.message, true);
  }
}

async function loadAccounts() {
  try {
    const accounts = (await api("GET", "/api/admin/staff")).data;
    fillTable($("accounts-table"), [
      { key: "id", label: "编号", className: "num" },
      { key: "name", label: "用户名" },
      { key: "role", label: "角色", format: (value) => ROLE_LABELS[value] || value },
      { key: "district", label: "所在区" },
      { key: "password", label: "网页登录", format: (value) => value ? "已设密码" : "未设密码" },
      { key: "active", label: "状态", format: (value) => value ? "启用" : "已停用" },
      { key: "created_at", label: "创建时间", format: (value) => value.slice(0, 16).replace("T", " ") },
      { key: "id", label: "操作", format: (_value, row) => {
        const button = el("button", null, row.active ? "停用" : "启用");
        button.type = "button";
        if (member && row.name === member.name && row.active) button.disabled = true;
        button.addEventListener("click", () => setActive(row, !row.active));
        return button;
      } },
    ], accounts, (row) => row.active ? null : "inactive");
    const select = $("password-account");
    const chosen = select.value;
    clear(select);
    for (const account of accounts) {
      const option = el("option", null, `${account.name}（${ROLE_LABELS[account.role] || account.role}）`);
      option.value = String(account.id);
      select.append(option);
    }
    if (chosen) select.value = chosen;
  } catch (error) {
    flash(error.message, true);
  }
}

$("password-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const select = $("password-account");
  const name = select.selectedOptions[0] ? select.selectedOptions[0].textContent : "";
  try {
    await api("POST", `/api/admin/staff/${select.value}/password`, { password: $("password-value").value });
    $("password-value").value = "";
    flash(`已为 ${name} 设置密码。`);
    loadAccounts();
  } catch (error) {
    flash(error.message, true);
  }
});

$("account-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const role = $("account-role").value;
  const body = { name: $("account-name").value.trim(), role };
  if (role === "liaison") body.district = $("account-district").value.trim();
  try {
    const created = await api("POST", "/api/admin/staff", body);
    $("account-key-value").textContent = created.api_key;
    $("account-key").hidden = false;
    flash(`已创建账号 ${created.name}（${ROLE_LABELS[created.role]}${created.district ? " · " + created.district : ""}）。`);
    $("account-name").value = "";
    $("account-district").value = "";
    loadAccounts();
  } catch (error) {
    flash(error.message, true);
  }
});

// ---------------------------------------------------------------- audit log

function auditQuery() {
  const kind = $("audit-kind").value.trim();
  return kind ? `?${new URLSearchParams({ kind })}` : "";
}

function json(value) {
  return value ? JSON.stringify(value) : "";
}

async function loadAudit() {
  const query = auditQuery();
  $("audit-csv").href = `/api/admin/audit.csv${query}`;
  try {
    const entries = (await api("GET", `/api/admin/audit${query}`)).data;
    fillTable($("audit-table"), [
      { key: "id", label: "编号", className: "num" },
      { key: "at", label: "时间", format: (value) => new Date(value).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }) },
      { key: "actor", label: "操作人" },
      { key: "action", label: "操作" },
      { key: "subject_kind", label: "对象类型" },
      { key: "subject_id", label: "对象" },
      { key: "before", label: "之前", className: "pre", format: json },
      { key: "after", label: "之后", className: "pre", format: json },
    ], entries);
  } catch (error) {
    flash(error.message, true);
  }
}

$("audit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadAudit();
});

start();
