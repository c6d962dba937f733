"""Checks an editor's data before it is saved; every message is Chinese, for the page."""

from __future__ import annotations

from typing import Any

from hotline.directory.assembly import DirectoryData, build_directory
from knowledge.directory import DirectoryError
from knowledge.gazetteer import PLACE_KINDS, GazetteerError
from knowledge.text import normalize_text

MAX_NAME = 64
MIN_NAME = 2  # one character (区, 湖) would be found in almost every message
MAX_FIELD = 100
MAX_ALIASES = 60
REQUIRED_DISTRICT_FIELDS = {"name": "名称", "leader": "责任领导", "leader_title": "领导职务",
                            "department": "责任部门", "contact": "联系人"}


class DirectoryInvalid(ValueError):
    """The data cannot be saved; ``messages`` says why, one Chinese sentence each."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


def _text(value: Any) -> str:
    return str(value or "").strip()


def _district_problems(districts: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    owner: dict[str, str] = {}
    for row in districts:
        name = _text(row.get("name"))
        for key, label in REQUIRED_DISTRICT_FIELDS.items():
            value = _text(row.get(key))
            if not value:
                problems.append(f"{name or '某个区'}的{label}不能为空")
            elif len(value) > MAX_FIELD:
                problems.append(f"{name}的{label}太长（最多 {MAX_FIELD} 个字）")
        phone = _text(row.get("phone"))
        if phone and not all(c.isdigit() or c in "-+ ()转" for c in phone):
            problems.append(f"{name}的联系电话“{phone}”格式不对（只能有数字和 - + 空格 括号）")
        aliases = row.get("aliases") or []
        if len(aliases) > MAX_ALIASES:
            problems.append(f"{name}的别名太多（最多 {MAX_ALIASES} 个）")
        for alias in (name, *aliases):
            text = _text(alias)
            if not text:
                problems.append(f"{name or '某个区'}有一个空的别名")
                continue
            if len(text) > MAX_NAME:
                problems.append(f"别名“{text[:20]}…”太长（最多 {MAX_NAME} 个字）")
            if len(text) < MIN_NAME:
                problems.append(f"别名“{text}”太短（至少 {MIN_NAME} 个字，否则会误认）")
            if any(c in text for c in "[](){}"):
                problems.append(f"别名“{text}”不能含有括号 [ ] ( ) {{ }}")
            key = normalize_text(text)
            other = owner.setdefault(key, name)
            if other != name:
                problems.append(f"别名“{text}”同时属于{other}和{name}，一个名称只能属于一个区")
    return problems


def _place_problems(places: list[dict[str, Any]], districts: set[str],
                    aliases: dict[str, str]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for row in places:
        name = _text(row.get("name"))
        unit = _text(row.get("unit"))
        if not name:
            problems.append("地点名称不能为空")
            continue
        if len(name) > MAX_NAME:
            problems.append(f"地点名称“{name[:20]}…”太长（最多 {MAX_NAME} 个字）")
        for short in (n for n in (name, *(row.get("aliases") or []), *(row.get("english") or []))
                      if 0 < len(_text(n)) < MIN_NAME):
            problems.append(f"地点名称“{_text(short)}”太短（至少 {MIN_NAME} 个字，否则会误认）")
        if _text(row.get("kind")) not in PLACE_KINDS:
            problems.append(f"地点“{name}”的类型“{_text(row.get('kind'))}”不认识")
        if unit not in districts:
            problems.append(f"地点“{name}”所属的区“{unit or '（空）'}”不在名录里")
        for other_name in (name, *(row.get("aliases") or []), *(row.get("english") or [])):
            text = _text(other_name)
            if not text:
                problems.append(f"地点“{name}”有一个空的别名")
                continue
            if any(c in text for c in "[](){}"):
                problems.append(f"地点别名“{text}”不能含有括号 [ ] ( ) {{ }}")
            key = normalize_text(text)
            listed = aliases.get(key)
            if listed is not None and listed != unit:
                problems.append(f"地点名称“{text}”已是{listed}的别名，不能再属于{unit}")
            claimed = seen.setdefault(key, unit)
            if claimed != unit:
                problems.append(f"地点名称“{text}”同时属于{claimed}和{unit}")
    return problems


def validate(data: DirectoryData) -> None:
    """Raise :class:`DirectoryInvalid` unless ``data`` makes a consistent directory."""
    directory = data.get("directory") or {}
    districts = [row for row in directory.get("districts") or [] if isinstance(row, dict)]
    if not districts:
        raise DirectoryInvalid(["名录里至少要有一个区"])
    problems = _district_problems(districts)
    names = {_text(row.get("name")) for row in districts}
    aliases = {normalize_text(_text(a)): _text(row.get("name"))
               for row in districts for a in (row.get("name"), *(row.get("aliases") or []))
               if _text(a)}
    places = (data.get("gazetteer") or {}).get("places") or []
    problems += _place_problems([p for p in places if isinstance(p, dict)], names, aliases)
    if problems:
        raise DirectoryInvalid(list(dict.fromkeys(problems)))
    try:
        build_directory(data)
    except (DirectoryError, GazetteerError, KeyError, TypeError) as exc:
        raise DirectoryInvalid([f"名录数据不一致：{exc}"]) from exc
