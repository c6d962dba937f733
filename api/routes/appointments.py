"""Appointments at the window (预约服务): the enterprise books under its verified session,
staff see the day, mark attendance and block slots. Thin: the rules are
:mod:`hotline.appointments`; its refusals map to 422 (cannot be booked as asked), 404 (not
yours or not there) and 409 (full, blocked, no longer changeable) here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep, SessionQueryDep, throttle, verify_session
from api.runtime import Runtime
from api.schemas import MAX_DB_ID, SessionCredential
from hotline.appointments.days import working_days_around
from hotline.appointments.errors import (
    AppointmentError,
    AppointmentNotFound,
    BookingConflict,
    InvalidBooking,
)
from hotline.appointments.hours import beijing_now_date, chinese_date
from hotline.appointments.service import WINDOW, NewBooking
from hotline.appointments.views import AppointmentPublic, SlotPublic
from hotline.security.accounts import StaffMember

router = APIRouter(prefix="/api/appointments", tags=["appointments"])
staff_router = APIRouter(prefix="/api/staff", tags=["appointments"])
AppointmentId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
Calendar = Annotated[str, Query(min_length=1, max_length=32)]
Start = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", description='a slot\'s start, "09:30"')]
Reader = Annotated[StaffMember, Depends(require("appointments.read"))]
Manager = Annotated[StaffMember, Depends(require("appointments.manage"))]
T = TypeVar("T")
STAFF_DAYS_BACK = 10  # working days before today the console offers (late attendance)


class SlotChoice(BaseModel):
    """A day and a slot: its start, or a half-day (上午 / 下午) for its first free slot."""

    date: dt.date
    start: Start | None = None
    period: str | None = Field(default=None, min_length=1, max_length=8,
                               description="上午 / 下午 / an extended-hours window")

    @model_validator(mode="after")
    def _one_of(self) -> SlotChoice:
        if self.start is None and self.period is None:
            raise ValueError("choose a slot (start) or a half-day (period) / 请选择时段或上午、下午")
        return self


class AppointmentCreate(SlotChoice):
    """A booking; the company and phone are the booker's, the identity is the session's."""

    session_id: SessionCredential
    service_item: str = Field(min_length=1, max_length=64, description="e.g. 高企认定")
    company: str = Field(min_length=2, max_length=128)
    phone: str = Field(min_length=5, max_length=32)
    calendar: str = Field(default=WINDOW, min_length=1, max_length=32)


class AppointmentMove(SlotChoice):
    """Reschedule to another slot of the same calendar."""

    session_id: SessionCredential


class AppointmentList(BaseModel):
    data: list[AppointmentPublic]
    count: int


class SlotList(BaseModel):
    date: dt.date
    calendar: str
    data: list[SlotPublic]
    count: int


class DayAppointments(BaseModel):
    """A calendar's day for staff: its bookings (cancelled ones too) and all its slots."""

    date: dt.date
    calendar: str
    data: list[AppointmentPublic]
    count: int
    slots: list[SlotPublic]


class StaffCalendar(BaseModel):
    calendar: str  # window | a district
    place: str  # 市民之家市科技局服务窗口 / 东湖高新区包区联系人


class StaffDay(BaseModel):
    date: dt.date
    text: str  # 12月2日（周三）


class StaffCalendars(BaseModel):
    """The calendars a member manages, today (Beijing) and the working days to pick from."""

    data: list[StaffCalendar]
    count: int
    today: dt.date
    today_is_working_day: bool
    days: list[StaffDay]


class Attendance(BaseModel):
    """Did the enterprise come?"""

    attended: bool


class SlotBlock(BaseModel):
    """Slots of a day to block: the starts listed, or the whole day without any."""

    date: dt.date
    calendar: str = Field(default=WINDOW, min_length=1, max_length=32)
    starts: list[Start] | None = Field(default=None, min_length=1, max_length=48)
    reason: str = Field(default="", max_length=200)


async def _step(call: Callable[[], T]) -> T:
    """Run a domain step in a thread; its refusal as 422 / 404 / 409."""
    try:
        return await run_in_threadpool(call)
    except InvalidBooking as exc:
        raise HTTPException(422, exc.reason) from exc
    except AppointmentNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, exc.reason) from exc
    except BookingConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, exc.reason) from exc
    except AppointmentError as exc:  # pragma: no cover - every refusal is one of the above
        raise HTTPException(status.HTTP_400_BAD_REQUEST, exc.reason) from exc


class ServiceHours(BaseModel):
    """Whether a person is available now; outside office hours, the call-back day."""

    open: bool
    office_hours: str
    extended_hours: list[str]  # "午间 12:00–13:30" (appointments only)
    call_back: dt.date | None
    call_back_text: str | None  # "12月2日（周三）"
    message: str | None
    service_line: str | None  # unset = null, never made up


# -- enterprises --------------------------------------------------------------------------
@router.get("/hours", response_model=ServiceHours)
async def read_service_hours(runtime: RuntimeDep) -> ServiceHours:
    """Office hours now (延时服务): open or not, and when a person calls back."""
    state = runtime.appointments.after_hours()
    extended = [f"{p.label} {p.start:%H:%M}–{p.end:%H:%M}"
                for p in runtime.appointments.hours.extended]
    return ServiceHours(open=state.open, office_hours=state.office_hours,
                        extended_hours=extended, call_back=state.call_back,
                        call_back_text=state.call_back_text, message=state.message,
                        service_line=state.service_line)


@router.get("/slots", response_model=SlotList)
async def read_free_slots(runtime: RuntimeDep, session: SessionQueryDep,
                          date: Annotated[dt.date, Query()],
                          calendar: Calendar = WINDOW) -> SlotList:
    """The slots of a day that can still be booked (none on a day off)."""
    slots = await _step(lambda: runtime.appointments.service.free_slots(date, calendar))
    return SlotList(date=date, calendar=calendar, data=slots, count=len(slots))


@router.post("", response_model=AppointmentPublic, status_code=status.HTTP_201_CREATED)
async def create_appointment(body: AppointmentCreate, runtime: RuntimeDep) -> AppointmentPublic:
    """Book a slot for this session's enterprise."""
    session = verify_session(runtime, body.session_id)
    throttle(runtime, "appointment.session", session.session_id)
    return await _step(lambda: runtime.appointments.service.book(NewBooking(
        session.session_id, session.channel, body.service_item, body.date, body.company,
        body.phone, start=body.start, period=body.period, calendar=body.calendar)))


@router.get("", response_model=AppointmentList)
async def read_my_appointments(runtime: RuntimeDep, session: SessionQueryDep) -> AppointmentList:
    """This session's bookings: the upcoming first."""
    items = await _step(lambda: runtime.appointments.service.mine(session.session_id))
    return AppointmentList(data=items, count=len(items))


@router.patch("/{appointment_id}", response_model=AppointmentPublic)
async def update_appointment(appointment_id: AppointmentId, body: AppointmentMove,
                             runtime: RuntimeDep) -> AppointmentPublic:
    """Move one of this session's bookings to another slot."""
    session = verify_session(runtime, body.session_id)
    throttle(runtime, "appointment.session", session.session_id)
    return await _step(lambda: runtime.appointments.service.reschedule(
        appointment_id, session.session_id, body.date, body.start, body.period))


@router.delete("/{appointment_id}", response_model=AppointmentPublic)
async def delete_appointment(appointment_id: AppointmentId, runtime: RuntimeDep,
                             session: SessionQueryDep) -> AppointmentPublic:
    """Cancel one of this session's upcoming bookings (``?session_id=<credential>``)."""
    throttle(runtime, "appointment.session", session.session_id)
    return await _step(lambda: runtime.appointments.service.cancel(appointment_id,
                                                                  session.session_id))


# -- staff --------------------------------------------------------------------------------
def _calendar_for(staff: StaffMember, calendar: str) -> str:
    """403 for a calendar the member may not manage (a liaison: another district's)."""
    if not staff.may_manage_calendar(calendar):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "您只能查看本区的预约 / only your district's calendar")
    return calendar


@staff_router.get("/appointments/calendars", response_model=StaffCalendars)
async def read_staff_calendars(runtime: RuntimeDep, staff: Reader) -> StaffCalendars:
    """The calendars this member may manage (a liaison: their district's, when it takes
    appointments), today and the working days around it (the console's day picker)."""
    service = runtime.appointments.service
    today = beijing_now_date(service.clock())
    calendars = [StaffCalendar(calendar=c, place=service.rules.place(c))
                 for c in service.rules.calendars() if staff.may_manage_calendar(c)]
    days = working_days_around(today, STAFF_DAYS_BACK, service.rules.booking_days)
    return StaffCalendars(data=calendars, count=len(calendars), today=today,
                          today_is_working_day=today in days,
                          days=[StaffDay(date=d, text=chinese_date(d)) for d in days])


@staff_router.get("/appointments", response_model=DayAppointments)
async def read_day_appointments(runtime: RuntimeDep, staff: Reader,
                                date: Annotated[dt.date, Query()],
                                calendar: Calendar = WINDOW) -> DayAppointments:
    """The day's bookings of a calendar (cancelled ones too) and its slots with blocks."""
    calendar = _calendar_for(staff, calendar)
    service = runtime.appointments.service
    bookings = await _step(lambda: service.day_bookings(date, calendar))
    slots = await _step(lambda: service.day_slots(date, calendar))
    return DayAppointments(date=date, calendar=calendar, data=bookings, count=len(bookings),
                           slots=slots)


@staff_router.post("/appointments/{appointment_id}/attendance",
                   response_model=AppointmentPublic)
async def create_attendance(appointment_id: AppointmentId, body: Attendance,
                            runtime: RuntimeDep, staff: Manager) -> AppointmentPublic:
    """Mark a booking attended or no-show (audited)."""
    await _visible(runtime, staff, appointment_id)
    return await _step(lambda: runtime.appointments.service.mark_attendance(
        appointment_id, body.attended, staff.name))


@staff_router.post("/slots/blocks", response_model=SlotList)
async def create_slot_block(body: SlotBlock, runtime: RuntimeDep, staff: Manager) -> SlotList:
    """Block slots of a day (all of it without ``starts``); existing bookings stay."""
    return await _set_blocked(runtime, staff, body.date, body.calendar, body.starts, True,
                              body.reason)


@staff_router.delete("/slots/blocks", response_model=SlotList)
async def delete_slot_block(runtime: RuntimeDep, staff: Manager,
                            date: Annotated[dt.date, Query()], calendar: Calendar = WINDOW,
                            starts: Annotated[list[Start] | None, Query(max_length=48)] = None,
                            ) -> SlotList:
    """Unblock slots of a day (``?starts=09:00&starts=09:30``; all of it without)."""
    return await _set_blocked(runtime, staff, date, calendar, starts, False, "")


async def _visible(runtime: Runtime, staff: StaffMember, appointment_id: int) -> None:
    """404 for a booking that is not there or not in a calendar the member manages."""
    calendar = await _step(lambda: runtime.appointments.service.calendar_of(appointment_id))
    if not staff.may_manage_calendar(calendar):
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"没有找到预约 {appointment_id} / no such appointment")


async def _set_blocked(runtime: Runtime, staff: StaffMember, date: dt.date, calendar: str,
                       starts: list[str] | None, blocked: bool, reason: str) -> SlotList:
    calendar = _calendar_for(staff, calendar)
    slots = await _step(lambda: runtime.appointments.service.set_blocked(
        date, calendar, starts, blocked, staff.name, reason))
    return SlotList(date=date, calendar=calendar, data=slots, count=len(slots))
