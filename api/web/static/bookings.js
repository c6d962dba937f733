// 店小二 staff console: the 预约 view (a calendar's day: slots, bookings, attendance,
// blocked slots). Loaded by console.js, which hands over its request and DOM helpers; every
// enterprise text (company, service item) is set with textContent, never parsed as HTML.

const WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
const MARKS = { true: "到场", false: "未到" };

const $ = (id) => document.getElementById(id);

/** 138****5678 / 027-****4321, the way the app masks phones in its logs. */
export function maskPhone(phone) {
  const digits = String(phone || "").replace(/\D/g, "");
  const mobile = digits.match(/^(?:86)?(1[3-9]\d)\d{4}(\d{4})$/);
  if (mobile) return `${mobile[1]}****${mobile[2]}`;
  // area codes: 010 and 02x have three digits, the others four (0710 …)
  const landline = digits.match(/^(0[12]\d|0[3-9]\d{2})\d{3,4}(\d{4})$/);
  if (landline) return `${landline[1]}-****${landline[2]}`;
  return digits.length > 4 ? `${"*".repeat(digits.length - 4)}${digits.slice(-4)}` : "****";
}

/** "12月2日（周三）" for an ISO date, as the API writes days. */
function dayText(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return `${month}月${day}日（${WEEKDAYS[weekday]}）`;
}

function shiftDay(iso, days) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/**
 * The view. ``tools``: console.js's { api, el, button, setStatus, politeText, openDialog,
 * dialogSubmit, channels }. Returns { start, refresh }: start() is false when the member
 * has no calendar to manage (an editor, a liaison whose district takes no appointments).
 */
export function mountBookings(tools) {
  const { api, el, button, setStatus, politeText, openDialog, dialogSubmit, channels } = tools;
  const state = { calendars: [], calendar: null, today: null, days: [], date: null, data: null,
    revealed: new Set(), pending: null };

  async function start() {
    const result = await api("GET", "/api/staff/appointments/calendars");
    if (!result.ok || !result.body || !result.body.count) return false;  // 403, or none of theirs
    const body = result.body;
    state.calendars = body.data;
    state.calendar = body.data[0].calendar;
    state.today = body.today;
    state.days = body.days.map((d) => d.date);
    state.date = body.today;
    state.revealed.clear();
    const select = $("bk-calendar");
    select.replaceChildren(...body.data.map((c) => {
      const option = el("option", "", c.place);
      option.value = c.calendar;
      return option;
    }));
    select.disabled = body.data.length < 2;
    $("bk-date").value = state.date;
    return true;
  }

  function go(date) {
    if (!date || date === state.date) return;
    state.date = date;
    state.data = null;
    $("bk-date").value = date;
    setStatus($("bk-status"), "");
    refresh();
  }

  function neighbour(step) {
    const found = step < 0 ? state.days.filter((d) => d < state.date).pop()
      : state.days.find((d) => d > state.date);
    return found || shiftDay(state.date, step);
  }

  async function refresh() {
    if (!state.calendar || !state.date) return;
    const [calendar, date] = [state.calendar, state.date];
    const query = `date=${encodeURIComponent(date)}&calendar=${encodeURIComponent(calendar)}`;
    const result = await api("GET", `/api/staff/appointments?${query}`);
    if (calendar !== state.calendar || date !== state.date) return;  // moved on meanwhile
    if (!result.ok || !result.body) {
      setStatus($("bk-status"), politeText(result, "预约暂时加载不了，稍后自动重试"), "error");
      return;
    }
    state.data = result.body;
    render(result.body);
  }

  function render(day) {
    const place = (state.calendars.find((c) => c.calendar === day.calendar) || {}).place || "";
    const active = day.data.filter((a) => a.status !== "cancelled").length;
    const blocked = day.slots.filter((s) => s.blocked).length;
    const when = `${dayText(day.date)}${day.date === state.today ? "（今天）" : ""}`;
    $("bk-summary").textContent = day.slots.length
      ? `${when} · ${place} · ${day.slots.length} 个时段，已约 ${active} 家${blocked ? `，暂停 ${blocked} 个时段` : ""}`
      : `${when}不是工作日，没有可预约的时段。`;
    $("bk-slots").replaceChildren(...day.slots.map((slot) => renderSlot(slot,
      day.data.filter((a) => a.start === slot.start))));
  }

  function renderSlot(slot, bookings) {
    const item = el("li", `slot${slot.blocked ? " blocked" : ""}${slot.remaining ? "" : " full"}`);
    item.dataset.start = slot.start;
    const head = el("div", "slot-head");
    head.append(el("span", "slot-time", `${slot.start}–${slot.end}`),
      el("span", "slot-period", slot.extended ? `${slot.period}（延时服务）` : slot.period),
      el("span", "slot-count", `已约 ${slot.booked} / ${slot.capacity}`));
    if (slot.blocked) {
      head.append(el("span", "badge overdue", slot.block_reason ? `已暂停：${slot.block_reason}` : "已暂停"));
    }
    head.append(button(slot.blocked ? "恢复预约" : "暂停预约", "btn btn-small slot-toggle",
      () => confirmBlock(slot, bookings)));
    const list = el("ul", "slot-bookings");
    list.replaceChildren(...(bookings.length ? bookings.map(renderBooking)
      : [el("li", "muted slot-empty", "暂无预约")]));
    item.append(head, list);
    return item;
  }

  function renderBooking(booking) {
    const item = el("li", `booking status-${booking.status}`);
    item.dataset.appointment = booking.id;
    const shown = state.revealed.has(booking.id);
    const phone = el("span", "bk-phone", shown ? booking.phone : maskPhone(booking.phone));
    const reveal = button(shown ? "隐藏" : "显示号码", "btn btn-small btn-quiet bk-reveal", () => {
      if (state.revealed.has(booking.id)) state.revealed.delete(booking.id);
      else state.revealed.add(booking.id);
      render(state.data);
    });
    const facts = el("span", "bk-facts");
    facts.append(el("span", "bk-company", booking.company), phone, reveal,
      el("span", "bk-item", booking.service_item),
      el("span", "bk-channel", channels[booking.channel] || booking.channel),
      el("span", booking.status === "no_show" ? "badge overdue" : "badge", booking.status_text));
    item.append(facts, attendance(booking));
    return item;
  }

  function attendance(booking) {
    const box = el("span", "bk-actions");
    if (booking.status === "cancelled") return box;
    if (booking.date > state.today) {
      box.append(el("span", "muted", "当天可登记到场"));
      return box;
    }
    for (const attended of [true, false]) {
      const current = booking.status === (attended ? "attended" : "no_show");
      const mark = button(MARKS[attended], current ? "btn btn-small btn-primary" : "btn btn-small",
        () => markAttendance(booking, attended));
      mark.setAttribute("aria-pressed", current ? "true" : "false");
      box.append(mark);
    }
    return box;
  }

  async function markAttendance(booking, attended) {
    const status = $("bk-status");
    setStatus(status, "正在登记…");
    const result = await api("POST", `/api/staff/appointments/${booking.id}/attendance`, { attended });
    if (!result.ok) {
      setStatus(status, politeText(result, "没有登记成功，请稍后再试"), "error");
      return;
    }
    setStatus(status, `已登记：${booking.company} ${MARKS[attended]}。`, "ok");
    await refresh();
  }

  function confirmBlock(slot, bookings) {
    const taken = bookings.filter((b) => b.status !== "cancelled").length;
    state.pending = slot;
    openDialog("dlg-block");
    const block = !slot.blocked;
    $("dlg-block-title").textContent = block ? "暂停预约" : "恢复预约";
    $("block-reason-field").hidden = !block;
    $("block-confirm").textContent = block ? "确认暂停" : "确认恢复";
    $("block-text").textContent = block
      ? `暂停 ${slot.text} 的预约？暂停后企业不能再约这个时段。${taken ? `已有的 ${taken} 个预约仍然有效，如需取消请联系企业。` : ""}`
      : `恢复 ${slot.text} 的预约？企业又可以约这个时段。`;
    if (!block) $("block-confirm").focus();
  }

  dialogSubmit("dlg-block", async (status) => {
    const slot = state.pending;
    if (!slot) return true;
    setStatus(status, "正在提交…");
    const result = slot.blocked
      ? await api("DELETE", `/api/staff/slots/blocks?date=${encodeURIComponent(slot.date)}`
        + `&calendar=${encodeURIComponent(slot.calendar)}&starts=${encodeURIComponent(slot.start)}`)
      : await api("POST", "/api/staff/slots/blocks", { date: slot.date, calendar: slot.calendar,
        starts: [slot.start], reason: $("block-reason").value.trim() });
    if (!result.ok) {
      setStatus(status, politeText(result, "没有成功，请稍后再试"), "error");
      return false;
    }
    setStatus($("bk-status"), `${slot.text} ${slot.blocked ? "已恢复预约" : "已暂停预约"}。`, "ok");
    state.pending = null;
    await refresh();
    return true;
  });

  $("bk-calendar").addEventListener("change", (event) => {
    state.calendar = event.target.value;
    state.data = null;
    refresh();
  });
  $("bk-date").addEventListener("change", (event) => go(event.target.value));
  $("bk-prev").addEventListener("click", () => go(neighbour(-1)));
  $("bk-next").addEventListener("click", () => go(neighbour(1)));
  $("bk-today").addEventListener("click", () => go(state.today));

  return { start, refresh };
}
