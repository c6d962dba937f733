"""When a booking message says: a day (今天 / 明天 / 周四 / 下周二 / 12月3日 / 3号), a half-day
(上午 / 下午, or 中午 / 下班后 for extended hours) and a time (9点半, 14:00) — read by rules,
relative to a given today. No framework, no I/O.

>>> read_when("改到周四上午", date(2026, 12, 1))
When(day=datetime.date(2026, 12, 3), half_day='上午', start=None)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9, "十": 10}
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_NUM = r"[0-9零〇一二两三四五六七八九十]{1,3}"
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_RELATIVE_RE = re.compile(r"大后天|后天|明天|明日|今天|今日")
_WEEK_RE = re.compile(r"(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天末1-7])")
_ISO_RE = re.compile(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?")
_MONTH_DAY_RE = re.compile(rf"({_NUM})\s*月\s*({_NUM})\s*[日号]?|(?<!\d)(\d{{1,2}})/(\d{{1,2}})(?!\d)")
_DAY_ONLY_RE = re.compile(rf"(?<![月\d])({_NUM})\s*[日号](?!子)")
# half-days: the regular 上午 / 下午; 中午 and 下班后 / 晚上 ask for extended hours (延时服务)
HALF_DAYS = {"上午": "上午", "早上": "上午", "早晨": "上午", "上班": "上午", "下午": "下午",
             "中午": "中午", "午休": "中午", "午间": "中午", "傍晚": "晚上", "晚上": "晚上",
             "下班后": "晚上", "下班以后": "晚上", "下班之后": "晚上", "下班了": "晚上",
             "晚点": "晚上", "延时": "晚上"}
_HALF_DAY_RE = re.compile("|".join(sorted(HALF_DAYS, key=len, reverse=True)))
_CLOCK_RE = re.compile(rf"(?<!\d)(\d{{1,2}})[:：](\d{{2}})(?!\d)|({_NUM})\s*点\s*(半|一刻|{_NUM}分?)?")
EXTENDED = frozenset({"中午", "晚上"})


@dataclass(frozen=True, slots=True)
class When:
    """What a message says about the time of a booking; any part may be missing."""

    day: date | None = None
    half_day: str | None = None  # 上午 | 下午 | 中午 | 晚上 (the last two: extended hours)
    start: str | None = None  # "09:30", "14:00"

    @property
    def empty(self) -> bool:
        return self.day is None and self.half_day is None and self.start is None

    @property
    def extended(self) -> bool:
        return self.half_day in EXTENDED


def chinese_number(text: str) -> int | None:
    """"12" / "十二" / "二十三" / "3" → the number; None for anything else."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS for ch in text):
        return None
    if "十" not in text:
        return int("".join(str(_DIGITS[ch]) for ch in text)) if len(text) <= 2 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def _month_day(month: int, day: int, today: date) -> date | None:
    """This year's date, or next year's when this year's has passed."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found >= today:
            return found
    return None


def _weekday(prefix: str | None, name: str, today: date) -> date:
    """周四 → the next Thursday (today when it is Thursday); 下周四 → next week's; 这周四 →
    this week's (Monday-based)."""
    wanted = _WEEKDAY[name]
    monday = today - timedelta(days=today.weekday())
    if prefix in ("这", "这个", "本"):
        return monday + timedelta(days=wanted)
    if prefix in ("下", "下个"):
        return monday + timedelta(days=7 + wanted)
    if prefix == "下下":
        return monday + timedelta(days=14 + wanted)
    return today + timedelta(days=(wanted - today.weekday()) % 7)


def read_day(text: str, today: date) -> date | None:
    """The day a message names, relative to ``today``."""
    if match := _ISO_RE.search(text):
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    if match := _MONTH_DAY_RE.search(text):
        month = chinese_number(match[1] or match[3])
        day = chinese_number(match[2] or match[4])
        return _month_day(month, day, today) if month and day else None
    if match := _RELATIVE_RE.search(text):
        return today + timedelta(days=_RELATIVE[match[0]])
    if match := _WEEK_RE.search(text):
        return _weekday(match[1], match[2], today)
    if match := _DAY_ONLY_RE.search(text):
        number = chinese_number(match[1])
        if number and 1 <= number <= 31:
            first = today.replace(day=1)
            for _ in range(3):  # "3号": this month's, else the next month that has it
                try:
                    found: date | None = first.replace(day=number)
                except ValueError:
                    found = None
                if found is not None and found >= today:
                    return found
                first = (first + timedelta(days=32)).replace(day=1)
    return None


def read_clock(text: str, half_day: str | None = None) -> str | None:
    """"9点半" → "09:30", "14:00" → "14:00", "下午三点" → "15:00"; None without a time."""
    match = _CLOCK_RE.search(text)
    if match is None:
        return None
    if match[1] is not None:
        hour, minute = int(match[1]), int(match[2])
    else:
        hour = chinese_number(match[3]) or 0
        rest = match[4] or ""
        if rest == "半":
            minute = 30
        elif rest == "一刻":
            minute = 15
        else:
            minute = chinese_number(rest.removesuffix("分")) or 0 if rest else 0
    if half_day in ("下午", "晚上") and 1 <= hour <= 11:
        hour += 12
    if half_day is None and 1 <= hour <= 6:  # "3点" at a government window is 15:00
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


def read_when(text: str, today: date) -> When:
    """Day, half-day and time a message names (``When()`` when it names none)."""
    normalized = unicodedata.normalize("NFKC", text)
    half = _HALF_DAY_RE.search(normalized)
    half_day = HALF_DAYS[half[0]] if half else None
    # "12月3日" and "3号" are no clock; read the time from what is left
    rest = _ISO_RE.sub(" ", _MONTH_DAY_RE.sub(" ", normalized))
    return When(read_day(normalized, today), half_day, read_clock(rest, half_day))
