// 店小二 staff console. Vanilla ES module, same-origin requests only; every piece of
// enterprise or staff text is rendered with textContent, never parsed as HTML.

const POLL_MS = 5000;
const CSRF_KEY = "dxe.staff.csrf";   // sessionStorage: this tab only, never in the URL
const MAX_QUESTION = 1000;            // what /api/assist/suggest takes
const BEIJING_TIME = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23" });
const CHANNELS = { web: "网页", wechat: "公众号", ehuiban: "鄂汇办", phone: "电话", counter: "窗口" };
const ROLES = { staff: "热线坐席", liaison: "包区联系人", editor: "知识库编辑", admin: "管理员" };
const EVENTS = { create: "创建", assign: "分派", transfer: "转派", contact: "已联系",
  reply: "回复企业", resolve: "办结", rate: "企业评价", close: "关闭", reopen: "重新打开",
  escalate: "升级督办", note: "备注" };
const OUTCOMES = { answered: "已答复", declined: "未能答复", handoff: "转人工", dialogue: "对话" };

const $ = (id) => document.getElementById(id);
const state = { me: null, csrf: null, queue: null, queues: [], ticketId: null, ticket: null,
  members: [], timer: null, polling: false, view: "tickets", bookings: null };

// ---------------------------------------------------------------- helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function button(label, className, onClick) {
  const node = el("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function formatTime(value) {
  if (!value) return "";
  const moment = new Date(String(value));
  if (Number.isNaN(moment.getTime())) return String(value);
  const part = Object.fromEntries(BEIJING_TIME.formatToParts(moment).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
}

/** The Chinese half of a "中文 / English" message, or ``fallback``. */
function politeText(result, fallback) {
  if (result.status === 0) return "网络连接失败，请检查网络后重试";
  const body = result.body || {};
  const text = typeof body.message === "string" ? body.message : "";
  if (result.status === 409 && text) return `操作未完成：${text.split(" / ")[0]}`;
  if (result.status === 403 && !text) return "您没有这项操作的权限";
  return text ? text.split(" / ")[0] : fallback;
}

function setStatus(node, text, tone) {
  node.textContent = text || "";
  node.className = `form-status${tone ? ` ${tone}` : ""}`;
}

function showBanner(text) {
  const banner = $("banner");
  banner.textContent = text || "";
  banner.hidden = !text;
}

// ---------------------------------------------------------------- network

async function api(method, url, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  try {
    const response = await fetch(url, { method, headers, credentials: "same-origin",
      cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try {
      data = response.status === 204 ? null : await response.json();
    } catch {
      data = null;
    }
    if (response.status === 401 && state.me) signedOut("登录已过期，请重新登录。");
    return { ok: response.ok, status: response.status, body: data };
  } catch {
    return { ok: false, status: 0, body: null };
  }
}

// ---------------------------------------------------------------- sign-in

function signedOut(message) {
  state.me = null;
  state.csrf = null;
  sessionStorage.removeItem(CSRF_KEY);
  stopPolling();
  $("who").hidden = true;
  $("views").hidden = true;
  $("work-view").hidden = true;
  $("bookings-view").hidden = true;
  $("login-view").hidden = false;
  setStatus($("login-status"), message || "", message ? "error" : "");
  $("login-name").focus();
}

function signedIn(me, csrf) {
  state.me = me;
  state.csrf = csrf;
  sessionStorage.setItem(CSRF_KEY, csrf);
  showBanner("");
  $("who-name").textContent = `${me.name}（${ROLES[me.role] || me.role}${me.district ? ` · ${me.district}` : ""}）`;
  $("btn-new-ticket").hidden = me.role === "liaison" || me.role === "editor";
  $("who").hidden = false;
  $("views").hidden = false;
  $("login-view").hidden = true;
  showView("tickets");
  startWork();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("login-status");
  setStatus(status, "正在登录…");
  const result = await api("POST", "/api/auth/login",
    { name: $("login-name").value.trim(), password: $("login-password").value });
  $("login-password").value = "";
  if (!result.ok || !result.body) {
    setStatus(status, politeText(result, "登录失败，请稍后再试"), "error");
    return;
  }
  setStatus(status, "");
  signedIn(result.body, result.body.csrf_token);
});

$("btn-logout").addEventListener("click", async () => {
  await api("POST", "/api/auth/logout");
  signedOut("您已退出。");
});

// ---------------------------------------------------------------- queues and list

async function loadQueues() {
  const result = await api("GET", "/api/staff/queues");
  if (!result.ok || !result.body) {
    if (result.status === 403) showBanner("您的角色不处理工单，工作台没有可显示的内容。");
    return false;
  }
  state.queues = result.body.data;
  if (!state.queue || !state.queues.some((q) => q.queue === state.queue)) {
    state.queue = state.queues.length ? state.queues[0].queue : null;
  }
  renderTabs();
  return true;
}

function renderTabs() {
  const tabs = $("queue-tabs");
  tabs.replaceChildren(...state.queues.map((q) => {
    const tab = button("", q.queue === state.queue ? "tab active" : "tab", () => {
      state.queue = q.queue;
      renderTabs();
      loadList();
    });
    tab.dataset.queue = q.queue;
    tab.setAttribute("aria-pressed", q.queue === state.queue ? "true" : "false");
    tab.append(el("span", "tab-label", q.label), el("span", "count", q.count));
    return tab;
  }));
}

async function loadList() {
  if (!state.queue) return;
  const queue = state.queue;
  const result = await api("GET", `/api/staff/tickets?queue=${encodeURIComponent(queue)}&limit=100`);
  if (queue !== state.queue) return;  // the tab changed meanwhile
  const status = $("list-status");
  if (!result.ok || !result.body) {
    status.textContent = politeText(result, "工单列表暂时加载不了，稍后自动重试");
    return;
  }
  status.textContent = result.body.count ? "" : "这个队列里没有工单。";
  $("ticket-list").replaceChildren(...result.body.data.map(renderListItem));
}

function renderListItem(ticket) {
  const item = el("li");
  const open = button("", ticket.ticket_id === state.ticketId ? "ticket-item active" : "ticket-item",
    () => openTicket(ticket.ticket_id));
  open.dataset.ticket = ticket.ticket_id;
  const head = el("span", "item-head");
  head.append(el("span", "item-id", ticket.ticket_id),
    el("span", ticket.overdue ? "badge overdue" : "badge", ticket.status_label));
  const meta = [ticket.company || "（未留企业名称）", ticket.district || "未分区",
    `负责人 ${ticket.owner}`].join(" · ");
  open.append(head, el("span", "item-question", ticket.question),
    el("span", "item-meta", meta),
    el("span", ticket.overdue ? "item-due overdue" : "item-due", `时限 ${formatTime(ticket.due_at)}`));
  item.append(open);
  return item;
}

// ---------------------------------------------------------------- ticket view

async function openTicket(ticketId) {
  const changed = ticketId !== state.ticketId;
  state.ticketId = ticketId;
  for (const node of document.querySelectorAll(".ticket-item")) {
    node.classList.toggle("active", node.dataset.ticket === ticketId);
  }
  const loaded = await loadTicket();
  if (loaded && changed) {
    $("reply-text").value = "";
    updateCount();
    setStatus($("reply-status"), "");
    setStatus($("action-status"), "");
    $("assist-question").value = "";
    suggest(state.ticket.question);
  }
}

async function loadTicket() {
  if (!state.ticketId) return false;
  const ticketId = state.ticketId;
  const result = await api("GET", `/api/staff/tickets/${encodeURIComponent(ticketId)}`);
  if (ticketId !== state.ticketId) return false;
  if (!result.ok || !result.body) {
    if (result.status === 404) {
      state.ticketId = null;
      state.ticket = null;
      $("ticket-panel").hidden = true;
      $("ticket-empty").hidden = false;
      $("ticket-empty").textContent = "这张工单已不在您的权限范围内（可能已转给其他区）。";
    }
    return false;
  }
  state.ticket = result.body;
  renderTicket(result.body);
  return true;
}

function renderTicket(t) {
  $("ticket-empty").hidden = true;
  $("ticket-panel").hidden = false;
  $("t-title").textContent = `工单 ${t.ticket_id}`;
  const badge = $("t-status");
  badge.textContent = t.status_label;
  badge.className = t.overdue ? "badge overdue" : "badge";
  const facts = $("t-facts");
  facts.replaceChildren();
  const add = (name, value) => {
    const wrap = el("div", "fact");
    wrap.append(el("dt", "", name), el("dd", "", value || "—"));
    facts.append(wrap);
  };
  add("企业", t.company);
  add("电话", t.phone);
  add("所在区", t.district || "未确定");
  add("渠道", CHANNELS[t.channel] || t.channel);
  add("类型", t.kind === "complaint" ? "投诉" : "咨询");
  add("首问负责人", t.first_owner);
  add("当前负责人", t.owner);
  add("首次联系时限", formatTime(t.contact_due_at));
  add("办结时限（工作日）", formatTime(t.due_at));
  add("创建时间", formatTime(t.created_at));
  if (t.resolution) add("办理结果", t.resolution);
  $("t-question").textContent = t.question;
  renderActions(t);
  renderConversation(t);
  renderHistory(t);
  const canReply = t.allowed_actions.includes("reply");
  $("reply-send").disabled = !canReply;
  $("reply-text").disabled = !canReply;
  if (!canReply) {
    setStatus($("reply-status"), t.status === "new" ? "请先接单或转派，再回复企业。" : "该工单当前状态不能再回复企业。");
  } else if ($("reply-status").dataset.hint === "1") {
    setStatus($("reply-status"), "");
  }
  $("reply-status").dataset.hint = canReply ? "0" : "1";
}

function renderConversation(t) {
  const list = $("t-conversation");
  const turns = Array.isArray(t.conversation) ? t.conversation : [];
  if (!turns.length) {
    const lines = (t.excerpt || "").split("\n").filter(Boolean);
    list.replaceChildren(...(lines.length ? lines.map((line) => el("li", "turn", line))
      : [el("li", "muted", t.session_id.startsWith("call:") ? "电话或窗口登记，没有线上对话。" : "没有记录到对话。")]));
    return;
  }
  list.replaceChildren(...turns.map((turn) => {
    const item = el("li", "turn");
    item.append(el("span", "turn-meta", `${formatTime(turn.at)} · 企业 · ${OUTCOMES[turn.outcome] || turn.outcome}`),
      el("span", "turn-text", turn.text));
    return item;
  }));
}

function renderHistory(t) {
  $("t-history").replaceChildren(...[...t.history].reverse().map((e) => {
    const item = el("li", "event");
    let what = EVENTS[e.action] || e.action;
    if (e.from_owner && e.to_owner && e.from_owner !== e.to_owner) what += `：${e.from_owner} → ${e.to_owner}`;
    item.append(el("span", "event-meta", `${formatTime(e.at)} · ${e.actor}`), el("span", "event-what", what));
    if (e.note) item.append(el("span", "event-note", e.note));
    return item;
  }));
}

function renderActions(t) {
  const allowed = new Set(t.allowed_actions);
  const box = $("t-actions");
  const mine = state.me && t.owner === state.me.name;
  const buttons = [];
  if (!mine && (allowed.has("assign") || allowed.has("transfer"))) {
    buttons.push(button("接单", "btn btn-primary", () => take(t)));
  }
  if (allowed.has("transfer")) buttons.push(button("转派", "btn", () => openDialog("dlg-transfer")));
  if (allowed.has("contact")) buttons.push(button("已联系", "btn", () => act({ action: "contact" })));
  if (allowed.has("resolve")) buttons.push(button("办结", "btn", () => openDialog("dlg-resolve")));
  if (allowed.has("reopen")) buttons.push(button("重新打开", "btn", () => act({ action: "reopen", note: "工作人员重新打开" })));
  if (allowed.has("close")) buttons.push(button("关闭", "btn btn-quiet", () => act({ action: "close" })));
  if (allowed.has("note")) buttons.push(button("备注", "btn btn-quiet", () => openDialog("dlg-note")));
  box.replaceChildren(...buttons);
}

async function act(body, statusNode) {
  const status = statusNode || $("action-status");
  setStatus(status, "正在提交…");
  const result = await api("POST", `/api/staff/tickets/${encodeURIComponent(state.ticketId)}/actions`, body);
  if (!result.ok || !result.body) {
    setStatus(status, politeText(result, "操作没有成功，请稍后再试"), "error");
    return false;
  }
  if (status !== $("action-status")) setStatus(status, "");
  setStatus($("action-status"), `已${EVENTS[body.action] || "完成"}。`, "ok");
  state.ticket = { ...result.body, conversation: state.ticket ? state.ticket.conversation : [] };
  renderTicket(state.ticket);
  refresh();
  return true;
}

function take(t) {
  const role = state.me.role === "liaison" ? "liaison" : "staff";
  if (t.allowed_actions.includes("assign")) return act({ action: "assign", to_owner: state.me.name, to_role: role });
  return act({ action: "transfer", to_owner: state.me.name, to_role: role, note: "主动接单" });
}

// ---------------------------------------------------------------- dialogs

function openDialog(id) {
  const dialog = $(id);
  const form = dialog.querySelector("form");
  form.reset();
  setStatus(form.querySelector(".form-status"), "");
  dialog.showModal();
  const first = form.querySelector("input, textarea");
  if (first) first.focus();
}

for (const dialog of document.querySelectorAll("dialog")) {
  for (const close of dialog.querySelectorAll("[data-close]")) {
    close.addEventListener("click", () => dialog.close());
  }
}

function dialogSubmit(id, handler) {
  const dialog = $(id);
  const form = dialog.querySelector("form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector(".form-status");
    if (await handler(status)) dialog.close();
  });
}

dialogSubmit("dlg-transfer", (status) => {
  const name = $("transfer-to").value.trim();
  const member = state.members.find((m) => m.name === name);
  return act({ action: "transfer", to_owner: name, to_role: member ? member.role : "staff",
    note: $("transfer-reason").value.trim() }, status);
});
dialogSubmit("dlg-resolve", (status) => act({ action: "resolve", resolution: $("resolve-text").value.trim() }, status));
dialogSubmit("dlg-note", (status) => act({ action: "note", note: $("note-text").value.trim() }, status));

dialogSubmit("dlg-new", async (status) => {
  const body = { question: $("new-question").value.trim(), kind: $("new-kind").value,
    channel: $("new-channel").value };
  for (const [key, id] of [["company", "new-company"], ["phone", "new-phone"], ["district", "new-district"]]) {
    const value = $(id).value.trim();
    if (value) body[key] = value;
  }
  setStatus(status, "正在创建…");
  const result = await api("POST", "/api/staff/tickets", body);
  if (!result.ok || !result.body) {
    setStatus(status, politeText(result, "工单没有创建成功，请稍后再试"), "error");
    return false;
  }
  await refresh();
  openTicket(result.body.ticket_id);
  return true;
});

dialogSubmit("dlg-password", async (status) => {
  setStatus(status, "正在修改…");
  const result = await api("POST", "/api/auth/password",
    { old_password: $("pw-old").value, new_password: $("pw-new").value });
  if (!result.ok) {
    setStatus(status, politeText(result, "密码没有修改成功"), "error");
    return false;
  }
  signedOut("密码已修改，请用新密码重新登录。");
  return true;
});

$("btn-new-ticket").addEventListener("click", () => openDialog("dlg-new"));
$("btn-password").addEventListener("click", () => openDialog("dlg-password"));

async function loadMembers() {
  const result = await api("GET", "/api/staff/members");
  if (!result.ok || !result.body) return;
  state.members = result.body.data;
  $("members").replaceChildren(...state.members.map((m) => {
    const option = el("option");
    option.value = m.name;
    option.label = `${ROLES[m.role] || m.role}${m.district ? ` · ${m.district}` : ""}`;
    return option;
  }));
}

// ---------------------------------------------------------------- agent assist

async function suggest(question) {
  const text = String(question || "").trim().slice(0, MAX_QUESTION);
  const status = $("assist-status");
  const list = $("suggestions");
  if (!text) return;
  setStatus(status, "正在查找参考答案…");
  list.replaceChildren();
  const result = await api("POST", "/api/assist/suggest", { question: text, k: 3 });
  if (!result.ok || !result.body) {
    setStatus(status, politeText(result, "参考答案暂时查不到"), "error");
    return;
  }
  const items = result.body.suggestions || [];
  setStatus(status, items.length ? `“${text.slice(0, 40)}”的参考答案：` : "知识库里没有找到相关答案。");
  list.replaceChildren(...items.map(renderSuggestion));
}

function renderSuggestion(s) {
  const item = el("li", s.reliable ? "suggestion" : "suggestion unreliable");
  const head = el("div", "suggestion-head");
  head.append(el("span", "confidence", `置信度 ${Math.round(s.confidence * 100)}%${s.reliable ? "" : "（仅供参考）"}`),
    button("插入回复", "btn btn-small", () => insertReply(s.text)));
  const citation = s.citation || {};
  const source = el("p", "citation");
  source.append(el("span", "citation-title", citation.title || ""),
    el("span", "citation-meta", [citation.doc_number, citation.section].filter(Boolean).join(" · ")));
  item.append(head, el("p", "suggestion-text", s.text), source);
  return item;
}

function insertReply(text) {
  const box = $("reply-text");
  if (box.disabled) {
    setStatus($("reply-status"), "这张工单现在不能回复企业。", "error");
    return;
  }
  const current = box.value.trimEnd();
  box.value = (current ? `${current}\n${text}` : text).slice(0, 2000);
  updateCount();
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

function updateCount() {
  $("reply-count").textContent = `${$("reply-text").value.length} / 2000`;
}

$("reply-text").addEventListener("input", updateCount);
$("assist-form").addEventListener("submit", (event) => {
  event.preventDefault();
  suggest($("assist-question").value);
});

$("reply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("reply-text").value.trim();
  const status = $("reply-status");
  if (!text) {
    setStatus(status, "请先填写回复内容。", "error");
    return;
  }
  $("reply-send").disabled = true;
  setStatus(status, "正在发送…");
  const result = await api("POST", `/api/staff/tickets/${encodeURIComponent(state.ticketId)}/replies`, { text });
  $("reply-send").disabled = false;
  if (!result.ok || !result.body) {
    setStatus(status, politeText(result, "回复没有发送成功，请稍后再试"), "error");
    return;
  }
  $("reply-text").value = "";
  updateCount();
  setStatus(status, result.body.delivery_text, result.body.delivery === "inbox" || result.body.delivery === "wechat" ? "ok" : "warn");
  state.ticket = { ...result.body.ticket, conversation: state.ticket ? state.ticket.conversation : [] };
  renderTicket(state.ticket);
  refresh();
});

// ---------------------------------------------------------------- views (工单 / 预约)

function showView(view) {
  state.view = view;
  $("work-view").hidden = view !== "tickets";
  $("bookings-view").hidden = view !== "bookings";
  for (const tab of document.querySelectorAll(".view-tab")) {
    tab.setAttribute("aria-pressed", tab.dataset.view === view ? "true" : "false");
  }
}

for (const tab of document.querySelectorAll(".view-tab")) {
  tab.addEventListener("click", () => {
    history.replaceState(null, "", tab.dataset.view === "bookings" ? "#bookings" : location.pathname);
    showView(tab.dataset.view);
    refresh();
  });
}

/** The 预约 view (bookings.js, versioned like every asset): shown to whoever manages a calendar. */
async function startBookings() {
  const tab = document.querySelector(".view-tab[data-view='bookings']");
  tab.hidden = true;
  if (!state.bookings) {
    const { mountBookings } = await import($("bookings-module").href);
    state.bookings = mountBookings({ api, el, button, setStatus, politeText, openDialog,
      dialogSubmit, channels: CHANNELS });
  }
  const available = await state.bookings.start();
  document.documentElement.dataset.bookings = available ? "1" : "0";
  if (!available) return;
  tab.hidden = false;
  if (location.hash === "#bookings") {
    showView("bookings");
    await state.bookings.refresh();
  }
}

// ---------------------------------------------------------------- live updates

async function refresh() {
  if (!state.me) return;
  if (state.view === "bookings" && state.bookings) {
    await state.bookings.refresh();
    return;
  }
  if (await loadQueues()) await loadList();
  if (state.ticketId) await loadTicket();
}

async function poll() {
  if (state.polling) return;
  state.polling = true;
  try {
    if (!document.hidden) await refresh();
  } finally {
    state.polling = false;
  }
}

function stopPolling() {
  clearInterval(state.timer);
  state.timer = null;
}

async function startWork() {
  stopPolling();
  await refresh();
  loadMembers();
  await startBookings();
  state.timer = setInterval(poll, POLL_MS);
  document.documentElement.dataset.ready = "1";
}

// ---------------------------------------------------------------- start

async function start() {
  const csrf = sessionStorage.getItem(CSRF_KEY);
  if (csrf) {
    const result = await api("GET", "/api/auth/me");
    if (result.ok && result.body) {
      signedIn(result.body, csrf);
      return;
    }
  }
  signedOut("");
  document.documentElement.dataset.ready = "1";
}

start();
