"""What the appointment service answers with (also the API's response shapes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["booked", "cancelled", "attended", "no_show"]
STATUS_TEXT: dict[str, str] = {"booked": "已预约", "cancelled": "已取消", "attended": "已到场",
                               "no_show": "未到场"}
ACTIVE: frozenset[str] = frozenset({"booked", "attended", "no_show"})  # hold a place


class SlotPublic(BaseModel):
    """A slot of a calendar's day and how many places are left."""

    model_config = ConfigDict(frozen=True)

    calendar: str
    date: date
    start: str  # "09:30"
    end: str
    period: str  # 上午 | 下午 | an extended window's label
    extended: bool  # 延时服务
    capacity: int
    booked: int
    remaining: int
    blocked: bool
    block_reason: str | None = None
    text: str  # "12月2日（周三）上午 09:30–10:00"


class AppointmentPublic(BaseModel):
    """A booking as its enterprise (and staff) see it."""

    model_config = ConfigDict(frozen=True)

    id: int
    calendar: str
    location: str  # 市民之家市科技局服务窗口 / the district liaison
    date: date
    start: str
    end: str
    period: str
    extended: bool
    service_item: str
    company: str
    phone: str
    channel: str
    status: Status
    status_text: str
    text: str  # "12月2日（周三）上午 09:30–10:00"
    created_at: datetime
    reminded_at: datetime | None
