"""延时服务 outside office hours: is a person available now, and if not, when they call back.

The chat layer asks :func:`after_hours` before it promises a person: outside office hours a
request that needs one becomes a ticket with a call-back on the day this states (in Chinese,
"12月2日（周三）"). The 店小二 service line is shown only when configured — an unset phone is
never replaced by a made-up one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hotline.appointments.hours import OfficeHours, chinese_date


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """The 店小二 service line (DXE_SERVICE_LINE_PHONE, DXE_SERVICE_LINE_HOURS)."""

    phone: str | None = None
    hours: str | None = None

    @classmethod
    def from_config(cls, phone: str | None, hours: str | None) -> ServiceLine:
        return cls((phone or "").strip() or None, (hours or "").strip() or None)

    def text(self) -> str | None:
        """"店小二服务专线 027-…（工作日 9:00–17:30）", or None when no phone is configured."""
        if self.phone is None:
            return None
        return f"店小二服务专线 {self.phone}" + (f"（{self.hours}）" if self.hours else "")


@dataclass(frozen=True, slots=True)
class AfterHours:
    """Whether a person is available at a moment, and the call-back promise if not."""

    open: bool
    office_hours: str  # "工作日 09:00–12:00、13:30–17:30"
    call_back: date | None  # None during office hours
    call_back_text: str | None  # "12月2日（周三）"
    message: str | None  # what to tell the enterprise outside office hours
    service_line: str | None  # None when unset


def after_hours(moment: datetime, hours: OfficeHours, line: ServiceLine) -> AfterHours:
    """The state at ``moment`` (aware)."""
    line_text = line.text()
    if hours.is_open(moment):
        return AfterHours(True, hours.describe(), None, None, None, line_text)
    day = hours.call_back_day(moment)
    when = chinese_date(day)
    message = (f"现在是非工作时间（{hours.describe()}）。您的问题需要工作人员处理，"
               f"我们将于{when}工作时间内与您联系。")
    if line_text:
        message += f"如需咨询，也可拨打{line_text}。"
    return AfterHours(False, hours.describe(), day, when, message, line_text)
