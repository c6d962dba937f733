"""The tables ``make eval`` prints: dev and blind side by side, with the blind targets."""

from __future__ import annotations

from collections import Counter

from eval.scoring import DialogueResult, Judged

Summary = dict[str, float | int | None]

# (key, label, target on the blind set)
ROWS: tuple[tuple[str, str, str], ...] = (
    ("inscope_right", "in-scope: answered, right first citation", "≥ 0.90"),
    ("inscope_wrong", "in-scope: answered, wrong first citation", "≤ 0.03"),
    ("inscope_declined", "in-scope: declined", "≤ 0.07"),
    ("inscope_declined_choice_right", "  … of them: right source among the choices offered", ""),
    ("inscope_nlu_misrouted", "in-scope: NLU intent that does not answer", "≤ 0.03"),
    ("hit1", "retrieval alone: Hit@1", ""),
    ("hit3", "retrieval alone: Hit@3", ""),
    ("mrr", "retrieval alone: MRR", ""),
    ("clause_hit1", "retrieval alone: clause Hit@1", ""),
    ("outscope_right", "out-of-scope: declined or referred", "≥ 0.90"),
    ("outscope_offered_choices", "  … of them: declined offering choices", ""),
    ("liaison_right", "liaison: right district, department, contact", "≥ 0.95"),
    ("leader_right", "leader questions right", ""),
    ("human_right", "request for a person starts the handoff", "= 1.00"),
    ("not_human_right", "人工智能 & co. do not start a handoff", ""),
    ("dialogues_started", "multi-turn handoff: collecting started", ""),
    ("dialogues_right", "multi-turn handoff: ticket for the right district", "= 1.00"),
)
_COUNTS = {"inscope": "inscope_n", "clause": "clause_n", "outscope": "outscope_n",
           "liaison": "liaison_n", "leader": "leader_n", "human": "human_n",
           "not_human": "not_human_n", "dialogues": "dialogues_n"}


def _cell(value: float | int | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def side_by_side(title: str, columns: dict[str, Summary], targets: bool = True) -> str:
    """One table: a row per metric, a column per (set, path)."""
    names = list(columns)
    width = 48
    lines = [title, f"{'':<{width}}" + "".join(f"{name:>12}" for name in names)
             + (f"{'target':>10}" if targets else "")]
    counts = " ".join(
        f"{kind} " + "/".join(str(columns[name].get(key) or 0) for name in names)
        for kind, key in _COUNTS.items())
    for key, label, target in ROWS:
        values = [columns[name].get(key) for name in names]
        if all(v is None for v in values):
            continue
        lines.append(f"{label:<{width}}" + "".join(f"{_cell(v):>12}" for v in values)
                     + (f"{target:>10}" if targets else ""))
    lines.append(f"n: {counts}")
    return "\n".join(lines)


def confusion_table(table: dict[str, Counter[str]]) -> str:
    """Rows: question kinds; columns: the intents NLU chose."""
    intents = sorted({intent for counter in table.values() for intent in counter})
    short = {intent: intent.replace("ask_", "").replace("request_", "req_")[:11]
             for intent in intents}
    lines = ["NLU intent confusion on the blind set (rows: kind of question)",
             f"{'':<11}" + "".join(f"{short[i]:>12}" for i in intents)]
    for kind, counter in sorted(table.items()):
        lines.append(f"{kind:<11}" + "".join(f"{counter.get(i, 0):>12}" for i in intents))
    return "\n".join(lines)


def places_table(breakdown: dict[str, tuple[int, int]], set_name: str = "blind") -> str:
    """Liaison accuracy by how the place was named."""
    cells = [f"{kind} {right}/{n}" for kind, (right, n) in breakdown.items()]
    return f"liaison by place type ({set_name}, Rasa path): " + ", ".join(cells)


def failures(rows: list[Judged], dialogues: list[DialogueResult], limit: int = 400) -> str:
    """Every wrong row, for reading (never for tuning on the blind set)."""
    lines = []
    for row in rows:
        if row.correct:
            continue
        first = row.turn.first_citation or {}
        lines.append(f"[{row.question.id} {row.question.kind}] {row.question.text}\n"
                     f"    nlu={row.turn.nlu_intent} intent={row.turn.intent} "
                     f"answered={row.turn.answered} form={row.turn.form_active} "
                     f"rank={row.rank} conf={row.confidence:.2f} "
                     f"cited={first.get('doc_id')} {first.get('section', '')[:18]} "
                     f"want={row.question.clause or ''}{row.question.topic or ''}"
                     f"{row.question.district or ''}{row.question.leader or ''}")
    for result in dialogues:
        if not result.correct:
            lines.append(f"[{result.dialogue.id} handoff] want {result.dialogue.district}, "
                         f"got {result.ticket_district}\n    " + "\n    ".join(result.transcript))
    return "\n".join(lines[:limit])
