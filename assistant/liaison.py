"""Who serves a district, and which districts a leader serves — straight from the directory."""

from __future__ import annotations

from assistant.shapes import Citation
from knowledge.directory import Liaison, LiaisonDirectory
from knowledge.text import normalize_text


def directory_citation(directory: LiaisonDirectory, liaison: Liaison | None,
                       title: str) -> Citation:
    """Cite the annex table (and the row, when there is one)."""
    snippet = (f"{liaison.district}：{liaison.leader}（{liaison.leader_title}）、"
               f"{liaison.department}、{liaison.contact}") if liaison else directory.source.section
    return Citation(doc_id="directory", title=title, doc_number=directory.source.doc_number,
                       section=directory.source.section, snippet=snippet, score=1.0)


def describe_liaison(liaison: Liaison, asked_as: str | None = None) -> str:
    """A reply naming the district, leader, department and contact person."""
    full = "" if liaison.full_name == liaison.district else f"（{liaison.full_name}）"
    if asked_as and not liaison.district.startswith(asked_as):  # 光谷 → 东湖高新区, not 蔡甸 → 蔡甸区
        place = f"{asked_as}属于{liaison.district}{full}，"
    else:
        place = f"{liaison.district}{full}，"
    return (f"{place}由市科技局{liaison.leader}（{liaison.leader_title}）带队包区服务，"
            f"责任部门是{liaison.department}，联系人是{liaison.contact}。"
            "有具体问题也可以直接告诉我，我来帮您转给联系人跟进。")


def describe_leader(leader: str, liaisons: list[Liaison]) -> str:
    """A reply listing the districts a leader is responsible for."""
    title = liaisons[0].leader_title
    rows = "；".join(f"{item.district}（{item.department}，联系人{item.contact}）" for item in liaisons)
    return f"{leader}（{title}）负责{len(liaisons)}个区的包区服务：{rows}。"


def describe_directory(directory: LiaisonDirectory) -> str:
    """Ask which district, listing them."""
    names = "、".join(liaison.district for liaison in directory.liaisons)
    return f"请问企业在哪个区或开发区？市科技局为这些区（开发区）都安排了包区联系人：{names}。"


def alias_used(directory: LiaisonDirectory, text: str, liaison: Liaison) -> str | None:
    """Which of the liaison's names the message used (for a natural reply)."""
    normalized = normalize_text(text)
    for name in sorted(liaison.names, key=len, reverse=True):
        if normalize_text(name) in normalized:
            return name
    return None
