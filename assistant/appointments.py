"""Booking in chat (预约服务): which messages ask to book, list, reschedule or cancel, and the
replies both paths give — the Rasa actions (api/actions/appointments.py) and the direct
(degraded) flow (assistant/direct_appointments.py) call the same :class:`BookingDesk`.

The rule for booking: a message *asks to book* when it says so — a request word before
预约 / 约 ("我要预约", "帮我约个时间去窗口", "想约个时间办高企的事"), 预约 followed by a day or
half-day ("预约明天上午"), a bare "预约", or one of the booking buttons. A message that only
asks about booking ("可以先预约再去窗口吗", "窗口能预约吗 我们五点半才下班") is a question:
the knowledge base answers it (clause （四）) and the answer offers the 在线预约 button.
Another agency's booking (车辆年检预约, 医院挂号) is neither.

Values travel as text: a day and half-day as ``"2026-12-03/上午"`` (``booking_when``; the
half-day may be empty), a slot as ``"2026-12-03T09:30"`` (``booking_slot``); buttons send
``/book_appointment{"booking_slot": …}`` and the like, so a tap needs no remembered state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from assistant.booking_dates import When, read_clock, read_when
from hotline.appointments.errors import AppointmentError
from hotline.appointments.hours import beijing_now_date, chinese_date, clock_text
from hotline.appointments.service import AppointmentService, NewBooking
from hotline.appointments.setup import Appointments
from hotline.appointments.views import AppointmentPublic, SlotPublic
from hotline.tickets.working_days import add_working_days, is_working_day, next_working_day
from knowledge.text import normalize_text

BOOK = "book_appointment"
LIST = "list_appointments"
RESCHEDULE = "reschedule_appointment"
CANCEL = "cancel_appointment"
INTENTS = frozenset({BOOK, LIST, RESCHEDULE, CANCEL})
BOOK_CHOICE = ("在线预约", f"/{BOOK}")
LIST_CHOICE = ("我的预约", f"/{LIST}")
# what an enterprise comes to the window for (the buttons of the first question)
SERVICE_ITEMS = ("高企认定", "科技项目申报", "成果转化与技术合同登记", "外国人来华工作许可",
                 "孵化器与众创空间", "其他科技业务咨询")
_ITEM_WORDS = {"高企": "高企认定", "高新技术企业": "高企认定", "项目申报": "科技项目申报",
               "揭榜": "科技项目申报", "成果转化": "成果转化与技术合同登记",
               "技术合同": "成果转化与技术合同登记", "外国人": "外国人来华工作许可",
               "工作许可": "外国人来华工作许可", "孵化器": "孵化器与众创空间",
               "众创空间": "孵化器与众创空间"}
ASK_ITEM = "好的，帮您预约到市民之家市科技局窗口办理。请问要办理或咨询什么事项？"
ASK_WHEN = ("想约哪天、上午还是下午？可以点下面的时间，或直接说“明天上午”“周四下午”“12月3日上午”；"
            "白天没空也可以问下班后的延时服务。")
STOPPED = "好的，这次预约不办了，信息不会保存。"
MAX_SLOT_BUTTONS = 8
MAX_ALTERNATIVES = 6

_BOOKING_WORD = r"(?:预约|约)"
_REQUEST = re.compile(rf"(?:我要|我想|想要|我需要|我们想|我们要|帮我|帮忙|给我|麻烦|请|想)"
                      rf"(?:先|再|提前|在线|网上|现在|一下)*{_BOOKING_WORD}")
# without a request word, "约个时间" asks to book only when it is no question ("可以提前约个
# 时间吗" asks about the clause)
_BOOK_PHRASE = re.compile(r"约(?:个|一个|一下)(?:时间|号|窗口)|预约(?:一下|个时间)")
_QUESTION = re.compile(r"[?？]|吗|么|可以|能不能|能否|可不可以|行不行|是否")
# 约 a person (the liaison, staff to visit) is a request for a person, not a slot
_PERSON = re.compile(r"约.{0,10}(?:的人|对接人|联系人|联络人|工作人员|领导|负责人|专员|老师|"
                     r"上门|来厂|来公司|见面|当面)")
_ABOUT_BOOKING = re.compile(r"是什么|什么是|有什么用|制度|规定|政策|条件")
_BARE = re.compile(r"^(?:在线|网上|窗口|我要)?预约(?:窗口|服务|一下)?$")
_OTHER_AGENCY = re.compile(r"挂号|年检|体检|疫苗|医院|门诊|驾照|驾驶证|护照|签证|通行证|社保|"
                           r"公积金|婚姻|结婚|户口|身份证|不动产|车管|餐厅|酒店")
_CANCEL = re.compile(r"(?:取消|撤销|退掉|不要)[^，。,；;]{0,6}?(?:预约|约)|"
                     r"(?:预约|约)[^，。,；;]{0,3}?(?:不要了|不去了|作废|取消)")
_LIST = re.compile(r"我的预约|(?:查|看|查询)(?:一下|看|下)?(?:我的)?预约|预约(?:记录|情况)|"
                   r"我(?:约|预约)了(?:哪天|什么|几点|什么时候)|(?:约|预约)的(?:是)?(?:哪天|什么时候|几点|时间是)|"
                   r"有几个预约|预约成功了(?:吗|没)")
_MOVE = re.compile(r"(?:改|换|挪|调|推迟|延后|提前)(?:到|成|在)|改约|改期|换个时间|换一天|改时间|"
                   r"改一下时间|重新约|改(?:一下)?预约时间")
_HOW = re.compile(r"怎么|如何|怎样|流程|规定|还能|多久|提前几天")
_STOP = re.compile(r"^(?:算了|不约了|不用了|先不约了?|先不用了?|不预约了|退出|取消|停)[!！。.,，\s]*$")
_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.S)


def booking_intent(text: str) -> str | None:
    """Which booking business a typed message asks for (see the module's rule), or None."""
    normalized = normalize_text(text).strip()
    if not normalized or _OTHER_AGENCY.search(normalized):
        return None
    if _HOW.search(normalized):  # "取消了预约还能再约吗", "预约怎么改期" ask about the rules
        return None
    if _CANCEL.search(normalized):
        return CANCEL
    if _LIST.search(normalized):
        return LIST
    if _MOVE.search(normalized) and ("约" in normalized or not read_when(normalized,
                                                                        date.today()).empty):
        return RESCHEDULE
    if _PERSON.search(normalized) or _ABOUT_BOOKING.search(normalized):
        return None
    if _REQUEST.search(normalized) or \
            (_BOOK_PHRASE.search(normalized) and not _QUESTION.search(normalized)):
        return BOOK
    compact = re.sub(r"[\W_]", "", normalized)
    if _BARE.match(compact):
        return BOOK
    if compact.startswith(("预约", "约")) and not read_when(compact, date.today()).empty:
        return BOOK
    return None


def mentions_booking(text: str) -> bool:
    """Whether a question is about booking at the window (its answer offers 在线预约)."""
    normalized = normalize_text(text)
    return "预约" in normalized and not _OTHER_AGENCY.search(normalized)


def wants_to_stop(text: str) -> bool:
    """"算了" / "不约了" inside the booking questions."""
    return bool(_STOP.match(normalize_text(text).strip()))


@dataclass(frozen=True, slots=True)
class Payload:
    """A button's message: ``/intent{"entity": "value"}``."""

    intent: str
    entities: dict[str, str]


def read_payload(text: str) -> Payload | None:
    """The intent and entities of a button payload, or None for typed text."""
    match = _PAYLOAD.match(text.strip())
    if match is None:
        return None
    try:
        data = json.loads(match[2]) if match[2] else {}
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return Payload(match[1], {str(k): str(v)[:200] for k, v in data.items() if v is not None})


def payload(intent: str, **entities: str | int) -> str:
    """``/intent{"…": "…"}`` (a button's message)."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps({k: str(v) for k, v in entities.items()},
                                     ensure_ascii=False, separators=(",", ":"))


def item_buttons() -> list[tuple[str, str]]:
    return [(item, payload(BOOK, booking_item=item)) for item in SERVICE_ITEMS]


def item_in(text: str) -> str | None:
    """The service item a message names (高企 → 高企认定), if any."""
    normalized = normalize_text(text)
    return next((item for word, item in _ITEM_WORDS.items() if word in normalized), None)


def clean_item(text: str) -> str | None:
    """A typed service item: 1–64 characters of text, a known item where it names one."""
    if read_payload(text) is not None:
        return None
    found = item_in(text)
    if found:
        return found
    item = " ".join(text.split()).strip("，。,.！!？?")
    return item[:64] if item and re.search(r"[\u4e00-\u9fffA-Za-z]", item) else None


def chinese_reason(error: AppointmentError) -> str:
    """The refusal's Chinese half ("该时段已约满，请选择其他时段 / …" → the first part)."""
    return error.reason.split(" / ")[0]


@dataclass(slots=True)
class DeskReply:
    """One reply of the booking desk: text, buttons (title, payload) and what happened."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    outcome: str = "appointments"  # booked | rescheduled | cancelled | refused | appointments | asked
    appointment: AppointmentPublic | None = None


@dataclass(frozen=True, slots=True)
class WhenChoice:
    """A checked day and half-day (``value`` as it travels), and a slot named with it."""

    day: date
    period: str | None
    value: str
    slot: str | None = None  # "2026-12-03T09:30" when the message named a free time


class BookingDesk:
    """The chat's side of :class:`AppointmentService`: choices as buttons, refusals as
    polite Chinese with alternatives, and only the caller's own bookings."""

    def __init__(self, appointments: Appointments) -> None:
        self.service: AppointmentService = appointments.service
        self.hours = appointments.hours

    # -- time ------------------------------------------------------------------------------
    def today(self) -> date:
        return beijing_now_date(self.service.clock())

    def last_day(self) -> date:
        start = datetime.combine(self.today(), time())
        return add_working_days(start, self.service.rules.booking_days).date()

    def _period(self, half_day: str | None) -> tuple[str | None, str | None]:
        """The configured period a half-day means (中午 / 晚上: an extended window), or a
        refusal when it has none."""
        if half_day is None:
            return None, None
        if half_day in self.hours.labels:
            return half_day, None
        for period in self.hours.extended:
            midday = period.start < time(14, 0) and period.end > time(11, 0)
            if (half_day == "中午" and midday) or (half_day == "晚上" and not midday):
                return period.label, None
        regular = "、".join(f"{clock_text(p.start)}–{clock_text(p.end)}"
                           for p in self.hours.periods)
        if not self.hours.extended:
            return None, (f"目前窗口没有开放延时服务（中午或下班后）的预约时段，"
                          f"可预约工作日 {regular}。")
        offered = "、".join(f"{p.label} {clock_text(p.start)}–{clock_text(p.end)}"
                           for p in self.hours.extended)
        return None, f"延时服务可预约的时段是：{offered}。"

    def _first_day_with(self, period: str | None) -> date | None:
        day, last = self.today(), self.last_day()
        while day <= last:
            if any(period in (None, s.period) for s in self._free(day)):
                return day
            day = next_working_day(day)
        return None

    def _free(self, day: date) -> list[SlotPublic]:
        if not is_working_day(day):
            return []
        return self.service.free_slots(day)

    def choose_when(self, text: str, value: str | None = None
                    ) -> tuple[WhenChoice | None, str | None]:
        """The day and half-day a message (or a button's ``value``) asks for, checked: a
        working day within the booking horizon; else (None, the reason in Chinese)."""
        if value:
            parsed = _when_value(value)
            if parsed is None:
                return None, "这个日期没看明白。"
            when = When(parsed[0], parsed[1] or None)
        else:
            when = read_when(text, self.today())
        if when.empty:
            return None, "没看明白您想约的时间。"
        period, refused = self._period(when.half_day)
        if refused:
            return None, refused
        day = when.day or self._first_day_with(period)
        if day is None:
            return None, "近期可预约的时段都已约满。"
        if day < self.today():
            return None, f"{chinese_date(day)}已经过去了。"
        if not is_working_day(day):
            return None, f"{chinese_date(day)}不是工作日，窗口不办公。"
        if day > self.last_day():
            return None, f"目前可预约今天至{chinese_date(self.last_day())}的工作日。"
        slot = None
        start = when.start or (read_clock(text, when.half_day) if not value else None)
        if start and any(s.start == start for s in self._free(day)):
            slot = slot_value(day, start)
        return WhenChoice(day, period, f"{day.isoformat()}/{period or ''}", slot), None

    def when_buttons(self, intent: str = BOOK, **extra: str | int) -> list[tuple[str, str]]:
        """The next working days' half-days with a free place, as buttons."""
        buttons: list[tuple[str, str]] = []
        day, last = self.today(), self.last_day()
        while day <= last and len(buttons) < 6:
            periods = []
            for slot in self._free(day):
                if slot.period not in periods:
                    periods.append(slot.period)
            for period in periods:
                buttons.append((f"{chinese_date(day)}{period}",
                                payload(intent, booking_when=f"{day.isoformat()}/{period}",
                                        **extra)))
            day = next_working_day(day)
        return buttons[:6]

    # -- slots -----------------------------------------------------------------------------
    def slot_buttons(self, when_value: str, intent: str = BOOK, **extra: str | int
                     ) -> tuple[str, list[tuple[str, str]]]:
        """The free slots of a day (and half-day) as buttons; when none is free, why, and
        the nearest free slots instead."""
        parsed = _when_value(when_value)
        if parsed is None:
            return "请先告诉我想约哪天。", self.when_buttons(intent, **extra)
        day, period = parsed
        free = [s for s in self._free(day) if not period or s.period == period]
        asked = f"{chinese_date(day)}{period or ''}"
        if free:
            return (f"{asked}可以预约的时段如下，请选一个：",
                    [(s.text.removeprefix(chinese_date(day)).strip(),
                      payload(intent, booking_slot=slot_value(day, s.start), **extra))
                     for s in free[:MAX_SLOT_BUTTONS]])
        alternatives = self.alternatives(day, intent, **extra)
        if not alternatives:
            return f"抱歉，{asked}已约满，近期也没有可预约的时段了。可以转人工咨询。", []
        return f"抱歉，{asked}已约满或暂停预约。以下时段还可以预约：", alternatives

    def alternatives(self, day: date, intent: str = BOOK, **extra: str | int
                     ) -> list[tuple[str, str]]:
        """The nearest free slots from ``day`` on (today's if it is past), as buttons."""
        out: list[tuple[str, str]] = []
        current, last = max(day, self.today()), self.last_day()
        while current <= last and len(out) < MAX_ALTERNATIVES:
            for slot in self._free(current)[:2]:  # two per day: a spread of days
                out.append((slot.text, payload(intent, booking_slot=slot_value(
                    current, slot.start), **extra)))
            current = next_working_day(current)
        return out[:MAX_ALTERNATIVES]

    def check_slot(self, value: str) -> str | None:
        """Why a slot value cannot be booked now (None: it is free)."""
        parsed = _slot_value(value)
        if parsed is None:
            return "这个时段没看明白。"
        day, start = parsed
        if not any(s.start == start for s in self._free(day)):
            return f"{chinese_date(day)} {start} 已约满或不可预约。"
        return None

    def slot_from_text(self, text: str, when_value: str | None) -> str | None:
        """A typed time ("9点半", "14:00") on the chosen day, as a slot value."""
        parsed = _when_value(when_value or "")
        if parsed is None:
            return None
        start = read_clock(text, parsed[1] or None)
        return slot_value(parsed[0], start) if start else None

    # -- booking ---------------------------------------------------------------------------
    def book(self, session_id: str, channel: str, item: str, company: str, phone: str,
             slot: str) -> DeskReply:
        """Book the slot for the caller's verified identity; a refusal offers alternatives."""
        parsed = _slot_value(slot)
        if parsed is None:
            return DeskReply("这个时段没看明白，请重新选择。", self.when_buttons(), "refused")
        day, start = parsed
        try:
            made = self.service.book(NewBooking(
                session_id=session_id, channel=channel, service_item=item, day=day,
                company=company, phone=phone, start=start))
        except AppointmentError as refused:
            return DeskReply(f"抱歉，{chinese_reason(refused)}", self.alternatives(day),
                             "refused")
        return DeskReply(
            f"预约成功！时间：{made.text}；地点：{made.location}。事项：{made.service_item}；"
            f"企业：{made.company}；电话：{made.phone}。前一个工作日会再提醒您。"
            "如需改期或取消，直接说“改到周四上午”或“取消预约”。",
            [LIST_CHOICE, ("取消这个预约", payload(CANCEL, appointment_id=made.id))],
            "booked", made)

    def upcoming(self, session_id: str) -> list[AppointmentPublic]:
        """The caller's bookings still to come (only its own: the identity is the key)."""
        today = self.today()
        return [a for a in self.service.mine(session_id)
                if a.status == "booked" and a.date >= today]

    def mine(self, session_id: str) -> DeskReply:
        """我的预约."""
        mine = self.upcoming(session_id)
        if not mine:
            return DeskReply("您目前没有待办理的预约。需要的话，说“我要预约”就可以约到窗口办理的时间。",
                             [BOOK_CHOICE])
        lines = [f"{n}. {a.text}，{a.location}，{a.service_item}" for n, a in enumerate(mine, 1)]
        buttons: list[tuple[str, str]] = []
        for a in mine:
            short = f"{a.date.month}月{a.date.day}日 {a.start}"
            buttons += [(f"改期 {short}", payload(RESCHEDULE, appointment_id=a.id)),
                        (f"取消 {short}", payload(CANCEL, appointment_id=a.id))]
        return DeskReply("您的预约：\n" + "\n".join(lines), buttons)

    def _which(self, mine: list[AppointmentPublic], appointment_id: str | None
               ) -> AppointmentPublic | None:
        if appointment_id:
            return next((a for a in mine if str(a.id) == str(appointment_id)), None)
        return mine[0] if len(mine) == 1 else None

    def reschedule(self, session_id: str, text: str, appointment_id: str | None = None,
                   when_value: str | None = None, slot: str | None = None) -> DeskReply:
        """改到周四上午: move one of the caller's bookings (which one, when several)."""
        mine = self.upcoming(session_id)
        if not mine:
            return DeskReply("您目前没有可以改期的预约。需要的话，说“我要预约”重新预约。",
                             [BOOK_CHOICE])
        choice, refused = (None, None) if slot else self.choose_when(text, when_value)
        target = self._which(mine, appointment_id)
        if target is None:
            extra = {"booking_when": choice.value} if choice else {}
            return DeskReply("您有多个预约，要改哪一个？", [
                (a.text, payload(RESCHEDULE, appointment_id=a.id, **extra)) for a in mine],
                "asked")
        if slot is None and choice is not None:
            slot = choice.slot
        if slot is None:
            if choice is None:
                reason = f"{refused}" if refused and not read_when(text, self.today()).empty \
                    else ""
                return DeskReply(f"{reason}要把 {target.text} 的预约改到哪天？请选一个，"
                                 "或直接说“改到周四上午”。",
                                 self.when_buttons(RESCHEDULE, appointment_id=target.id),
                                 "asked")
            if choice.period:
                return self._move(session_id, target, choice.day, None, choice.period)
            text_, buttons = self.slot_buttons(choice.value, RESCHEDULE,
                                               appointment_id=target.id)
            return DeskReply(text_, buttons, "asked")
        parsed = _slot_value(slot)
        if parsed is None:
            return DeskReply("这个时段没看明白，请重新选择。",
                             self.when_buttons(RESCHEDULE, appointment_id=target.id), "asked")
        return self._move(session_id, target, parsed[0], parsed[1], None)

    def _move(self, session_id: str, target: AppointmentPublic, day: date,
              start: str | None, period: str | None) -> DeskReply:
        try:
            moved = self.service.reschedule(target.id, session_id, day, start=start,
                                            period=period)
        except AppointmentError as refused:
            return DeskReply(f"抱歉，{chinese_reason(refused)}",
                             self.alternatives(day, RESCHEDULE, appointment_id=target.id),
                             "refused")
        return DeskReply(f"已为您改期：{moved.text}，地点：{moved.location}。"
                         f"原来的 {target.text} 已释放。", [LIST_CHOICE], "rescheduled", moved)

    def cancel(self, session_id: str, appointment_id: str | None = None) -> DeskReply:
        """取消预约: one of the caller's bookings (which one, when several)."""
        mine = self.upcoming(session_id)
        if not mine:
            return DeskReply("您目前没有待办理的预约，不需要取消。")
        target = self._which(mine, appointment_id)
        if target is None:
            return DeskReply("您有多个预约，要取消哪一个？", [
                (a.text, payload(CANCEL, appointment_id=a.id)) for a in mine], "asked")
        try:
            cancelled = self.service.cancel(target.id, session_id)
        except AppointmentError as refused:
            return DeskReply(f"抱歉，{chinese_reason(refused)}", [LIST_CHOICE], "refused")
        return DeskReply(f"已取消您 {cancelled.text} 在{cancelled.location}的预约。"
                         "如需重新预约，说“我要预约”即可。", [BOOK_CHOICE], "cancelled",
                         cancelled)


def slot_value(day: date, start: str) -> str:
    return f"{day.isoformat()}T{start}"


def _dated(pattern: str, value: str) -> tuple[date, str] | None:
    """A travelling value's day and the rest ("2026-12-03T09:30", "2026-12-03/上午")."""
    match = re.fullmatch(rf"(\d{{4}}-\d{{2}}-\d{{2}}){pattern}", value.strip())
    if match is None:
        return None
    try:
        return date.fromisoformat(match[1]), match[2]
    except ValueError:
        return None


def _slot_value(value: str) -> tuple[date, str] | None:
    return _dated(r"T(\d{2}:\d{2})", value)


def _when_value(value: str) -> tuple[date, str] | None:
    return _dated(r"/(.{0,8})", value)
