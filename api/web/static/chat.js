// 店小二 H5 chat page. Vanilla ES module, no dependencies, same-origin requests only.
// Every piece of user or bot text is rendered with textContent, never parsed as HTML.

const MAX_TEXT = 1000;
const MAX_ENTRIES = 300;          // transcript entries kept on the device
const REQUEST_TIMEOUT_MS = 30000;
const INBOX_POLL_MS = 5000;       // staff replies, ticket news, reminders: once watched
// a credential issued by POST /api/sessions (or the 鄂汇办 exchange): "<id>.<signature>"
const SESSION_PATTERN = /^[A-Za-z0-9_:-]{1,140}\.[A-Za-z0-9_-]{20,60}$/;
const DEFAULT_LEVELS = [
  { value: 5, label: "非常满意" }, { value: 4, label: "满意" }, { value: 3, label: "基本满意" },
  { value: 2, label: "不满意" }, { value: 1, label: "非常不满意" },
];
// labels of a new ticket's status (later cards come from /api/tickets with their own label)
const STATUS_LABELS = { new: "待分派", assigned: "已分派，待联系", contacted: "已联系，办理中",
  resolved: "已办结，待评价", rated: "已评价", closed: "已关闭", reopened: "已重新打开",
  escalated: "已超时，督办中" };
const WELCOME = {
  kind: "bot",
  text: "您好，我是武汉市科技局“店小二”。科技政策、办事流程、各区包区服务联系人都可以问我；需要工作人员时点“转人工”。",
  buttons: [
    { title: "高企认定网上能办吗？", payload: "高企认定网上能办吗？" },
    { title: "光谷的企业找谁？", payload: "光谷的企业找谁？" },
  ],
};

const params = new URLSearchParams(location.search);
const embedded = document.documentElement.dataset.embed === "1" || params.get("embed") === "1";
const channel = embedded ? "ehuiban" : "web";
const storeKey = `dxe.chat.v1.${channel}`;

const $ = (id) => document.getElementById(id);
const log = $("log");
const typing = $("typing");
const form = $("composer");
const input = $("input");
const sendButton = $("send");
const newButton = $("btn-new");

// ---------------------------------------------------------------- storage

const memoryStore = new Map();  // when localStorage is unavailable (some web views)
function readStore() {
  try {
    const raw = window.localStorage.getItem(storeKey);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return memoryStore.get(storeKey) || null;
  }
}
function writeStore(value) {
  try {
    window.localStorage.setItem(storeKey, JSON.stringify(value));
  } catch {
    memoryStore.set(storeKey, value);
  }
}

/** The stored conversation; its credential only if the server issued it (never from the URL). */
function loadState() {
  const stored = readStore();
  const entries = stored && Array.isArray(stored.entries) ? stored.entries : [];
  const sessionId = stored && typeof stored.sessionId === "string" &&
    SESSION_PATTERN.test(stored.sessionId) ? stored.sessionId : null;
  // inbox: whether to watch it (the session has tickets or bookings) and the newest message shown
  const watch = Boolean(sessionId && stored.watch);
  const inboxSeen = sessionId && Number.isInteger(stored.inboxSeen) ? stored.inboxSeen : null;
  return { sessionId, entries: sessionId ? entries : [], watch, inboxSeen };
}

let state = loadState();
let busy = false;

function save() {
  if (state.entries.length > MAX_ENTRIES) state.entries = state.entries.slice(-MAX_ENTRIES);
  writeStore(state);
}

// ---------------------------------------------------------------- DOM helpers

/** An element with a class and, optionally, text (always as textContent). */
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

function scrollToEnd() {
  log.scrollTop = log.scrollHeight;
}

const BEIJING_TIME = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai",
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23" });

/** A deadline as Beijing time ("2026-12-04 19:51"), whatever the phone's time zone. */
function formatTime(value) {
  if (!value) return "";
  const text = String(value);
  const moment = new Date(text);
  if (/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) && !Number.isNaN(moment.getTime())) {
    const part = Object.fromEntries(BEIJING_TIME.formatToParts(moment).map((p) => [p.type, p.value]));
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
  }
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(text);
  return match ? [match[1], match[2]].filter(Boolean).join(" ") : text;
}

// ---------------------------------------------------------------- rendering

function renderUser(entry) {
  const row = el("div", "row user");
  const bubble = el("div", "bubble");
  bubble.append(el("span", "visually-hidden", "我说："), document.createTextNode(entry.text));
  row.append(bubble);
  return row;
}

function renderBot(entry, index) {
  const row = el("div", "row bot");
  const bubble = el("div", "bubble");
  bubble.append(el("span", "visually-hidden", "店小二说："), document.createTextNode(entry.text));
  row.append(bubble);
  if (index === lastQuickReplyIndex() && entry.buttons && entry.buttons.length) {
    const group = el("div", "quick-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "快捷回复");
    for (const choice of entry.buttons) {
      group.append(button(choice.title, "reply-btn", () => send(choice.payload, choice.title)));
    }
    row.append(group);
  }
  return row;
}

function renderSources(entry, index) {
  const row = el("div", "row bot");
  const box = el("section", "sources");
  box.setAttribute("aria-label", "答复依据");
  box.append(el("p", "sources-title", "依据（点开查看条款原文）"));
  for (const citation of entry.citations || []) {
    const card = el("details", "source");
    const summary = el("summary");
    summary.append(el("span", "source-title", citation.title));
    const meta = el("span", "source-meta");
    if (citation.doc_number) meta.append(el("span", "source-doc-number", citation.doc_number), " · ");
    meta.append(el("span", "source-section", citation.section));
    summary.append(meta);
    card.append(summary, el("blockquote", "source-text", citation.snippet));
    box.append(card);
  }
  if (entry.turnId !== null && entry.turnId !== undefined) box.append(renderVotes(entry, index));
  row.append(box);
  return row;
}

function renderVotes(entry, index) {
  const votes = el("div", "votes");
  votes.setAttribute("role", "group");
  votes.setAttribute("aria-label", "这个回答有帮助吗");
  if (entry.vote) {
    votes.append(el("span", "", entry.vote === "up" ? "感谢反馈：有帮助" : "感谢反馈，我们会改进"));
    return votes;
  }
  votes.append(el("span", "", "有帮助吗？"));
  const status = el("span", "vote-status");
  status.setAttribute("role", "status");
  const vote = (helpful) => async () => {
    for (const b of votes.querySelectorAll("button")) b.disabled = true;
    const result = await withSession(() => postJSON("/api/feedback",
      { session_id: state.sessionId, turn_id: entry.turnId, helpful }));
    if (result.ok) {
      state.entries[index] = { ...entry, vote: helpful ? "up" : "down" };
      save();
      replaceEntry(index);
    } else {
      status.textContent = errorText(result, "反馈没有提交成功，请稍后再试");
      for (const b of votes.querySelectorAll("button")) b.disabled = false;
    }
  };
  votes.append(button("有帮助", "vote", vote(true)), button("没帮助", "vote", vote(false)), status);
  return votes;
}

function renderTickets(entry) {
  const row = el("div", "row bot");
  for (const ticket of entry.tickets || []) row.append(renderTicket(ticket));
  return row;
}

function renderTicket(ticket) {
  const card = el("article", "ticket");
  card.setAttribute("aria-label", `工单 ${ticket.ticket_id}`);
  const head = el("div", "ticket-head");
  head.append(el("h2", "ticket-id", `工单 ${ticket.ticket_id}`),
    el("span", ticket.overdue ? "badge overdue" : "badge", ticket.status_label));
  const rows = el("dl");
  const add = (name, value) => {
    if (value) rows.append(el("dt", "", name), el("dd", "", value));
  };
  add("问题", ticket.question);
  add("所在区", ticket.district);
  add("承办", ticket.owner);
  add("办结时限", formatTime(ticket.due_at));
  const actions = el("div", "actions");
  actions.append(button("刷新进度", "link-btn", () => showTickets()));
  if (ticket.status === "resolved") {  // a ticket is rated once it is resolved (一事一评)
    actions.append(button("评价", "link-btn", () => addRating(ticket.ticket_id, null)));
  }
  card.append(head, rows, actions);
  return card;
}

function renderRating(entry, index) {
  const row = el("div", "row bot");
  const box = el("fieldset", "rating");
  const target = entry.ticketId ? `工单 ${entry.ticketId}` : "本次服务";
  box.append(el("legend", "", `请为${target}评价`));
  if (entry.done) {
    box.append(el("p", "rating-done", entry.done.message));
    row.append(box);
    return row;
  }
  const levels = el("div", "levels");
  levels.setAttribute("role", "group");
  levels.setAttribute("aria-label", "满意程度");
  let chosen = null;
  for (const level of entry.levels && entry.levels.length ? entry.levels : DEFAULT_LEVELS) {
    const choice = button(level.label, "level", () => {
      chosen = level.value;
      for (const b of levels.querySelectorAll("button")) b.setAttribute("aria-pressed", "false");
      choice.setAttribute("aria-pressed", "true");
    });
    choice.setAttribute("aria-pressed", "false");
    choice.dataset.level = String(level.value);
    levels.append(choice);
  }
  const commentId = `rating-comment-${index}`;
  const label = el("label", "", "意见建议（选填）");
  label.htmlFor = commentId;
  const comment = el("textarea");
  comment.id = commentId;
  comment.maxLength = 500;
  comment.rows = 2;
  const status = el("p", "rating-status");
  status.setAttribute("role", "status");
  const submit = button("提交评价", "level submit", async () => {
    if (chosen === null) {
      status.className = "rating-status error";
      status.textContent = "请先选择满意程度";
      return;
    }
    submit.disabled = true;
    const body = { level: chosen, channel };
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (entry.ticketId) body.ticket_id = entry.ticketId;
    const result = await withSession(() => postJSON("/api/ratings",
      { ...body, session_id: state.sessionId }));
    if (result.ok || result.status === 409) {
      const message = (result.body && result.body.message) ||
        (result.ok ? "感谢您的评价！" : "您已经评价过了，感谢支持！");
      state.entries[index] = { ...entry, done: { level: chosen, message } };
      save();
      replaceEntry(index);
    } else {
      status.className = "rating-status error";
      status.textContent = errorText(result, "评价没有提交成功，请稍后再试");
      submit.disabled = false;
    }
  });
  box.append(levels, label, comment, submit, status);
  row.append(box);
  return row;
}

/** A message from the inbox (a staff reply, ticket news): a bot bubble without buttons. */
function renderInbox(entry) {
  const row = el("div", "row bot inbox");
  const bubble = el("div", "bubble");
  bubble.append(el("span", "visually-hidden", "店小二说："), document.createTextNode(entry.text));
  row.append(bubble);
  return row;
}

function renderNotice(entry) {
  const node = el("p", entry.tone === "error" ? "notice error" : "notice", entry.text);
  if (entry.tone === "error") node.setAttribute("role", "alert");
  return node;
}

const RENDERERS = { user: renderUser, bot: renderBot, sources: renderSources,
  tickets: renderTickets, rating: renderRating, notice: renderNotice, claim: renderClaim,
  inbox: renderInbox };

function renderEntry(entry, index) {
  const render = RENDERERS[entry.kind];
  const node = render ? render(entry, index) : el("div");
  node.dataset.index = String(index);
  return node;
}

/** Quick replies belong to the latest bot message, until the user says something. */
function lastQuickReplyIndex() {
  for (let i = state.entries.length - 1; i >= 0; i -= 1) {
    const kind = state.entries[i].kind;
    if (kind === "user") return -1;
    if (kind === "bot") return i;
  }
  return -1;
}

function renderAll() {
  log.replaceChildren(...state.entries.map(renderEntry));
  scrollToEnd();
}

function replaceEntry(index) {
  const old = log.querySelector(`:scope > [data-index="${index}"]`);
  if (old) old.replaceWith(renderEntry(state.entries[index], index));
}

function addEntries(...entries) {
  const quickBefore = lastQuickReplyIndex();
  const start = state.entries.length;
  state.entries.push(...entries);
  save();
  if (quickBefore >= 0 && lastQuickReplyIndex() !== quickBefore) replaceEntry(quickBefore);
  log.append(...entries.map((entry, i) => renderEntry(entry, start + i)));
  if (state.entries.length > MAX_ENTRIES) renderAll();
  scrollToEnd();
}

function addRating(ticketId, levels) {
  addEntries({ kind: "rating", ticketId: ticketId || null, levels: levels || DEFAULT_LEVELS, done: null });
  const latest = log.lastElementChild && log.lastElementChild.querySelector(".level");
  if (latest) latest.focus();
}

// ---------------------------------------------------------------- network

async function request(method, url, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { ok: response.ok, status: response.status, body: data };
  } catch {
    return { ok: false, status: 0, body: null };
  } finally {
    clearTimeout(timer);
  }
}
const postJSON = (url, body) => request("POST", url, body);

/** This conversation's credential, asked of the server the first time it is needed. */
async function ensureSession() {
  if (state.sessionId) return true;
  const result = await postJSON("/api/sessions", { channel });
  if (!result.ok || !result.body || !SESSION_PATTERN.test(result.body.session_id || "")) return false;
  state.sessionId = result.body.session_id;
  state.watch = false;
  state.inboxSeen = 0;  // a new session: every message in its inbox is new
  save();
  return true;
}

/** ``call()`` with a credential; once more with a fresh one if the server no longer knows it. */
async function withSession(call) {
  if (!(await ensureSession())) return { ok: false, status: 0, body: null };
  let result = await call();
  if (result.status === 401) {
    state.sessionId = null;
    if (await ensureSession()) result = await call();
  }
  return result;
}

/** The Chinese half of a "中文 / English" message. */
function politeText(result, fallback) {
  const text = result.body && typeof result.body.message === "string" ? result.body.message : "";
  return text ? text.split(" / ")[0] : fallback;
}

function errorText(result, fallback) {
  if (result.status === 0) return "网络连接失败，请检查网络后重试";
  if (result.body && typeof result.body.message === "string") return result.body.message;
  if (result.status === 404) return "该功能暂未开放";
  return fallback;
}

function setBusy(value) {
  busy = value;
  document.documentElement.dataset.busy = value ? "1" : "0";
  typing.hidden = !value;
  sendButton.disabled = value;
  for (const b of log.querySelectorAll(".reply-btn")) b.disabled = value;
  if (value) scrollToEnd();
}

// ---------------------------------------------------------------- conversation

/** Send ``text`` to the assistant; ``shown`` is what the user's bubble says (a button title). */
async function send(text, shown) {
  const message = String(text || "").trim();
  if (busy || !message) return false;
  if (message.length > MAX_TEXT) {
    addEntries({ kind: "notice", tone: "error", text: `消息太长了，最多${MAX_TEXT}个字` });
    return false;
  }
  addEntries({ kind: "user", text: shown || message });
  setBusy(true);
  const result = await withSession(() => postJSON("/api/chat",
    { session_id: state.sessionId, text: message, channel }));
  setBusy(false);
  if (result.status === 429) {  // sent faster than a person types: a polite word, not an error
    addEntries({ kind: "bot", text: politeText(result, "您发得有点快，请稍等一会儿再发。") });
    return false;
  }
  if (!result.ok || !result.body) {
    addEntries({ kind: "notice", tone: "error", text: errorText(result, "服务暂时不可用，请稍后再试") });
    return false;
  }
  addEntries(...entriesFor(result.body));
  if (result.body.handoff || (Array.isArray(result.body.tickets) && result.body.tickets.length) ||
      result.body.watch_inbox === true) {  // a ticket's news, or a booking's reminder
    watchInbox();
  }
  return true;
}

/** The transcript entries for one /api/chat response. */
function entriesFor(body) {
  const entries = [];
  const replies = Array.isArray(body.replies) ? body.replies : [];
  for (const reply of replies) {
    entries.push({ kind: "bot", text: String(reply.text || ""),
      buttons: (reply.buttons || []).map((b) => ({ title: String(b.title), payload: String(b.payload) })) });
  }
  if (body.answer && Array.isArray(body.answer.citations) && body.answer.citations.length) {
    entries.push({ kind: "sources", citations: body.answer.citations,
      turnId: body.turn_id ?? null, vote: null });
  }
  const tickets = Array.isArray(body.tickets) ? [...body.tickets] : [];
  const handoff = body.handoff;
  if (handoff && !tickets.some((t) => t.ticket_id === handoff.ticket_id)) {
    tickets.unshift({
      ticket_id: handoff.ticket_id,
      status: handoff.status,
      status_label: STATUS_LABELS[handoff.status] || handoff.status,
      question: "",
      district: handoff.district,
      owner: [handoff.department, handoff.contact].filter(Boolean).join(" "),
      due_at: handoff.due_at,
      overdue: false,
    });
  }
  if (tickets.length) entries.push({ kind: "tickets", tickets });
  if (body.rating) {
    entries.push({ kind: "rating", ticketId: body.rating.ticket_id || null,
      levels: body.rating.levels || DEFAULT_LEVELS, done: null });
  }
  return entries;
}

async function showTickets() {
  if (busy) return;
  setBusy(true);
  const result = await withSession(() => request("GET",
    `/api/tickets?session_id=${encodeURIComponent(state.sessionId)}`));
  setBusy(false);
  if (!result.ok || !result.body) {
    addEntries({ kind: "notice", tone: "error", text: errorText(result, "暂时查不到工单，请稍后再试") });
    return;
  }
  if (!result.body.tickets || !result.body.tickets.length) {
    addEntries({ kind: "notice", tone: "info", text: "您在这里还没有工单。需要工作人员跟进时，点“转人工”登记。" });
  } else {
    addEntries({ kind: "tickets", tickets: result.body.tickets });
    watchInbox();
  }
  addEntries({ kind: "claim", done: null });
}

/** Another device's or a phone call's ticket: shown here once its number and phone match. */
function renderClaim(entry, index) {
  const row = el("div", "row bot");
  const box = el("form", "claim");
  box.setAttribute("aria-label", "查询其他工单");
  box.append(el("p", "claim-title", "在别的手机上或通过电话登记过工单？输入工单编号和当时留的电话即可查看。"));
  if (entry.done) {
    box.append(el("p", "claim-done", entry.done));
    row.append(box);
    return row;
  }
  const field = (labelText, name, attrs) => {
    const id = `claim-${name}-${index}`;
    const label = el("label", "", labelText);
    label.htmlFor = id;
    const control = el("input");
    Object.assign(control, { id, name, required: true, ...attrs });
    return [label, control];
  };
  const [ticketLabel, ticketInput] = field("工单编号", "ticket", { maxLength: 32, placeholder: "如 DXE20261201-3F9A1C" });
  const [phoneLabel, phoneInput] = field("联系电话", "phone", { maxLength: 32, inputMode: "tel" });
  const status = el("p", "claim-status");
  status.setAttribute("role", "status");
  const submit = el("button", "level submit", "查看");
  submit.type = "submit";
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const result = await withSession(() => postJSON("/api/tickets/claim", {
      session_id: state.sessionId, ticket_id: ticketInput.value.trim(), phone: phoneInput.value.trim() }));
    if (result.ok && result.body) {
      state.entries[index] = { ...entry, done: `已关联工单 ${result.body.ticket_id}` };
      save();
      replaceEntry(index);
      addEntries({ kind: "tickets", tickets: [result.body] });
    } else {
      status.className = "claim-status error";
      status.textContent = politeText(result, "没有查到，请核对后再试");
      submit.disabled = false;
    }
  });
  box.append(ticketLabel, ticketInput, phoneLabel, phoneInput, submit, status);
  row.append(box);
  return row;
}

// ---------------------------------------------------------------- inbox

/** Staff replies, ticket news and booking reminders reach the page without a reload: the
 * session's inbox (GET /api/notifications) is polled once the session has a ticket or a
 * booking (a response with ``watch_inbox``). */
function watchInbox() {
  if (!state.watch) {
    state.watch = true;
    save();
  }
}

let polling = false;
async function pollInbox() {
  if (polling || busy || !state.watch || !state.sessionId || document.hidden) return;
  polling = true;
  try {
    const result = await request("GET",
      `/api/notifications?session_id=${encodeURIComponent(state.sessionId)}&limit=20`);
    if (result.status === 401) {  // the credential is gone: a new one has no tickets
      state.watch = false;
      save();
      return;
    }
    if (!result.ok || !result.body || !Array.isArray(result.body.data)) return;
    const items = result.body.data.filter((n) => Number.isInteger(n.id)).sort((a, b) => a.id - b.id);
    const newest = items.length ? items[items.length - 1].id : 0;
    if (state.inboxSeen === null) {  // stored before the page watched its inbox: start here
      state.inboxSeen = newest;
      save();
      return;
    }
    // "create" was told in the chat itself, when the ticket was opened
    const fresh = items.filter((n) => n.id > state.inboxSeen && n.event !== "create");
    state.inboxSeen = Math.max(state.inboxSeen, newest);
    if (fresh.length) {
      addEntries(...fresh.map((n) => ({ kind: "inbox", text: String(n.text || "") })));
    } else {
      save();
    }
  } finally {
    polling = false;
  }
}

let confirmTimer = null;
function startNewChat() {
  if (!newButton.classList.contains("confirm")) {
    newButton.classList.add("confirm");
    newButton.textContent = "确认新对话？";
    confirmTimer = setTimeout(resetNewButton, 4000);
    return;
  }
  resetNewButton();
  state = { sessionId: null, entries: [{ ...WELCOME }], watch: false, inboxSeen: null };
  save();
  renderAll();
  input.focus();
}
function resetNewButton() {
  clearTimeout(confirmTimer);
  newButton.classList.remove("confirm");
  newButton.textContent = "新对话";
}

// ---------------------------------------------------------------- wiring

function autoGrow() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = input.value;
  if (!text.trim() || busy) return;
  input.value = "";
  autoGrow();
  const sent = await send(text);
  if (!sent && !input.value) input.value = text;  // keep what was typed when it failed
  input.focus();
});
input.addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; never while an IME is composing (拼音输入)
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    form.requestSubmit();
  }
});
input.addEventListener("input", autoGrow);
$("btn-human").addEventListener("click", () => send("/request_human", "转人工"));
$("btn-tickets").addEventListener("click", () => showTickets());
$("btn-rate").addEventListener("click", () => addRating(null, null));
newButton.addEventListener("click", startNewChat);
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  input.focus();
});
newButton.addEventListener("blur", resetNewButton);

/** 鄂汇办 vouches for its user with a signed token; exchange it for a session bound to them. */
async function adoptEhuibanIdentity() {
  const user = params.get("eh_user"), ts = params.get("eh_ts"), sig = params.get("eh_sig");
  if (!embedded || !user || !ts || !sig) return;
  const result = await postJSON("/api/ehuiban/session",
    { user_id: user, timestamp: Number(ts), signature: sig });
  // the signed token has done its job: keep it out of the address bar and the history
  history.replaceState(null, "", `${location.pathname}?embed=1`);
  if (!result.ok || !result.body || !SESSION_PATTERN.test(result.body.session_id || "")) return;
  if (state.sessionId !== result.body.session_id) {
    state = { sessionId: result.body.session_id, entries: [], watch: false, inboxSeen: null };
  }
}

await adoptEhuibanIdentity();
if (!state.entries.length) state.entries.push({ ...WELCOME });
save();
renderAll();
setInterval(pollInbox, INBOX_POLL_MS);
document.addEventListener("visibilitychange", () => pollInbox());
document.documentElement.dataset.ready = "1";  // for tests: the page has rendered
