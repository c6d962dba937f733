"""The chat contract rendered as WeChat text: plain text, short source references, numbered
options instead of buttons, and splitting under WeChat's text size limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.schemas import Button, ChatResponse, Citation, RatingPrompt
from assistant.choices import HUMAN_CHOICE

# WeChat's documented limit for a text message's content (passive reply and customer-service
# message alike): 2048 bytes. Counting UTF-8 bytes is the strictest reading (a Chinese
# character is 3 bytes, ≈ 680 characters per message).
TEXT_LIMIT_BYTES = 2048
MAX_REFERENCES = 3
HUMAN_PAYLOAD = HUMAN_CHOICE[1]
RATING_PAYLOAD = "/rate_service"
HUMAN_HINT = "如需人工服务，请回复“转人工”。"

_CLAUSE_LABEL = re.compile(r"^（[一二三四五六七八九十百零]+）")
_RATING_VALUE = re.compile(r'"rating"\s*:\s*"?([1-5])')
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


@dataclass(slots=True)
class WeChatText:
    """One answer as WeChat text, and what the user may type next in place of a tap."""

    text: str
    options: dict[str, str] = field(default_factory=dict)  # typed reply → payload to send


def byte_length(text: str) -> int:
    """Size as WeChat counts it (UTF-8 bytes)."""
    return len(text.encode("utf-8"))


def short_reference(citation: Citation) -> str:
    """A short source: 文号 plus clause label, e.g. ``武科函〔2021〕10号（八）``."""
    section = citation.section.strip()
    label = _CLAUSE_LABEL.match(section)
    if label:
        where = label.group(0)
    else:
        head = re.split(r"[：:，,。\s]", section, maxsplit=1)[0]
        where = f" {head[:16]}" if head else ""
    source = citation.doc_number or f"《{citation.title[:30]}》"
    return f"{source}{where}".strip()


def references_line(citations: list[Citation]) -> str | None:
    """``【来源】`` with up to three distinct references."""
    seen: list[str] = []
    for citation in citations:
        reference = short_reference(citation)
        if reference not in seen:
            seen.append(reference)
    return "【来源】" + "；".join(seen[:MAX_REFERENCES]) if seen else None


def _rating_levels(buttons: list[Button]) -> list[tuple[str, str, str]]:
    """(value, label, payload) of the 好差评 buttons, best first."""
    levels = []
    for button in buttons:
        match = _RATING_VALUE.search(button.payload)
        if button.payload.startswith(RATING_PAYLOAD) and match:
            levels.append((match.group(1), button.title, button.payload))
    return sorted(levels, reverse=True)


def rating_line(levels: list[tuple[str, str, str]], options: dict[str, str]) -> str:
    """``回复 1–5 评价：5 非常满意 4 满意 …``; the digits become options."""
    for value, _label, payload in levels:
        options[value] = payload
    return "回复 1–5 评价：" + " ".join(f"{value} {label}" for value, label, _ in levels)


def _prompt_levels(prompt: RatingPrompt) -> list[tuple[str, str, str]]:
    extra = f',"ticket_id":"{prompt.ticket_id}"' if prompt.ticket_id else ""
    return sorted(((str(level.value), level.label,
                    f'{RATING_PAYLOAD}{{"rating":"{level.value}"{extra}}}')
                   for level in prompt.levels), reverse=True)


def format_response(response: ChatResponse) -> WeChatText:
    """The whole response as one plain text (split later if too long)."""
    options: dict[str, str] = {}
    blocks: list[str] = []
    hints: list[str] = []
    for reply in response.replies:
        block = reply.text.strip()
        choices = [b for b in reply.buttons
                   if b.payload != HUMAN_PAYLOAD and not b.payload.startswith(RATING_PAYLOAD)]
        if choices:
            options.clear()
            lines = [f"{number}. {button.title}" for number, button in enumerate(choices, 1)]
            options.update({str(n): b.payload for n, b in enumerate(choices, 1)})
            block += "\n请回复序号选择：\n" + "\n".join(lines)
        if levels := _rating_levels(reply.buttons):
            hints.append(rating_line(levels, options))
        if any(b.payload == HUMAN_PAYLOAD for b in reply.buttons) and HUMAN_HINT not in hints:
            hints.append(HUMAN_HINT)
        if block:
            blocks.append(block)
    said = "\n".join(blocks)
    if response.answer and (line := references_line(response.answer.citations)):
        blocks.append(line)
    if response.handoff and response.handoff.ticket_id not in said:
        owner = "".join(x for x in (response.handoff.department, response.handoff.contact) if x)
        blocks.append(f"已为您登记工单 {response.handoff.ticket_id}" +
                      (f"，由{owner}跟进。" if owner else "。"))
    cards = [card for card in response.tickets if card.ticket_id not in said]
    if cards:
        blocks.append("\n".join(
            f"工单 {c.ticket_id}：{c.status_label}，负责人 {c.owner}"
            + (f"，{c.due_at[:10]}前办结" if c.due_at else "") + ("（已超期）" if c.overdue else "")
            for c in cards))
    if response.rating and not any(h.startswith("回复 1–5") for h in hints):
        hints.append(rating_line(_prompt_levels(response.rating), options))
    return WeChatText("\n\n".join(blocks + hints), options)


def _pieces(text: str, limit: int) -> list[str]:
    """Lines no longer than ``limit`` bytes: long lines cut at sentence ends, then anywhere."""
    pieces: list[str] = []
    for line in text.split("\n"):
        if byte_length(line) <= limit:
            pieces.append(line)
            continue
        current = ""
        for sentence in _SENTENCE_END.split(line):
            for char in sentence if byte_length(sentence) > limit else [sentence]:
                if current and byte_length(current + char) > limit:
                    pieces.append(current)
                    current = ""
                current += char
        if current:
            pieces.append(current)
    return pieces


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Messages of at most ``limit`` bytes, split between lines where possible."""
    parts: list[str] = []
    current: list[str] = []
    for piece in _pieces(text.strip(), limit):
        if current and byte_length("\n".join([*current, piece])) > limit:
            parts.append("\n".join(current).strip())
            current = []
        current.append(piece)
    if current:
        parts.append("\n".join(current).strip())
    return [part for part in parts if part]
