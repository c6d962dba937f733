"""What the assistant says for a look-up: the registry's answer with its name, source and
publication date and 以官方公布为准; candidates as buttons; "not found" plainly; and, for a
registry not imported yet, where to look officially — never a guess."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from hotline.registries.formats import RegistryKind
from hotline.registries.lookup import LookupResult
from hotline.registries.rows import Record
from hotline.registries.store import VersionView

PICK_INTENT = "/ask_registry"
PICK_ENTITY = "registry_pick"
MAX_LISTED = 10
GENERATED_NOTE = "【生成的测试数据，非真实名单】"
OFFICIAL = "以官方公布为准"


@dataclass(frozen=True, slots=True)
class RegistryReply:
    """The text, the buttons (title, payload) and the look-up's outcome."""

    text: str
    outcome: str
    buttons: list[tuple[str, str]] = field(default_factory=list)


def pick_payload(name: str) -> str:
    """The button payload that looks a candidate up by its registered name."""
    return PICK_INTENT + json.dumps({PICK_ENTITY: name}, ensure_ascii=False)


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def source_line(label: str, version: VersionView) -> str:
    """来源：<registry>（<source>，<date>发布）。以官方公布为准。"""
    note = GENERATED_NOTE if version.generated else ""
    return f"来源：{label}（{version.source}，{_day(version.published_on)}发布）{note}。{OFFICIAL}。"


def _validity(record: Record, today: date) -> str:
    if record["valid_until"] < today:
        return "已过有效期"
    return "在有效期内"


def _hightech(record: Record, today: date) -> str:
    return (f"证书编号 {record['certificate_no']}，发证日期 {_day(record['issued_on'])}，"
            f"有效期至 {_day(record['valid_until'])}（{_validity(record, today)}）")


def _incubator(record: Record) -> str:
    details = "，".join(p for p in (f"{record['level']}{record['kind']}", record["district"],
                                   record["address"]) if p)
    return f"{record['name']}（{details}）"


def _commissioner(record: Record) -> str:
    details = "，".join(p for p in (record["field"], record["unit"],
                                   f"服务区域：{record['district']}" if record["district"] else "")
                       if p)
    return f"{record['name']}（{details}）"


def _listed(result: LookupResult, lines: list[str], what: str) -> str:
    more = f"，以下列出前 {len(lines)} 位/家" if result.total > len(lines) else ""
    return f"{result.format.label}中{what}共 {result.total} 条{more}：\n" + "\n".join(
        f"{n}. {line}" for n, line in enumerate(lines, start=1))


def reply_for(result: LookupResult, what: str, today: date) -> RegistryReply:
    """The reply to a look-up; ``what`` says what was asked (“武汉某某科技有限公司”,
    东湖高新区的国家级孵化器, 光电方向的科技特派员)."""
    fmt = result.format
    if result.outcome == "not_imported" or result.version is None:
        return RegistryReply(
            f"{fmt.label}还没有导入本系统，我现在查不了{what}，也不便猜测。"
            f"请{OFFICIAL}：可以在{fmt.official}中查询。", "not_imported")
    source = source_line(fmt.label, result.version)
    if result.outcome == "not_found":
        return RegistryReply(f"登记信息中没有找到{what}，{OFFICIAL}。\n{source}", "not_found")
    if result.outcome == "candidates":
        names = [r["name"] for r in result.records]
        more = f"（共 {result.total} 家相近，只列出前 {len(names)} 家；发企业全称可以查得更准）" \
            if result.total > len(names) else ""
        return RegistryReply(
            f"{fmt.label}中没有与{what}完全对应的企业，名称相近的有 {len(names)} 家{more}，"
            f"请确认是哪一家：\n{source}", "candidates",
            [(name, pick_payload(name)) for name in names])
    if result.kind == RegistryKind.HIGHTECH:
        lines = [f"“{r['name']}”在{fmt.label}中：{_hightech(r, today)}。" for r in result.records]
        return RegistryReply("\n".join(lines) + f"\n{source}", "found")
    shown = result.records[:MAX_LISTED]
    render = _incubator if result.kind == RegistryKind.INCUBATOR else _commissioner
    return RegistryReply(_listed(result, [render(r) for r in shown], what) + f"\n{source}",
                         "found")
