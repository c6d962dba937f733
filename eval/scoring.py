"""Judge what the product did with each labelled question, and sum it up.

Each question becomes a :class:`Judged` row (through ``/api/chat``, plus the rank that
retrieval alone gave the right source); :func:`summarise` turns rows into the rates the
README's table reports.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.clarify import chosen_chunk
from eval.probes import ChatProbe, TurnRecord
from eval.sets import Dialogue, Question
from knowledge.corpus import KnowledgeBase
from retrieval.searcher import HybridSearcher

# Intents whose rule answers from the knowledge base (or refers/declines from it).
ANSWERING_INTENTS = frozenset({"ask_policy", "out_of_scope", "nlu_fallback"})
# What NLU should call each kind (any of these is routed right).
EXPECTED_INTENTS: dict[str, frozenset[str]] = {
    "inscope": ANSWERING_INTENTS,
    "outscope": ANSWERING_INTENTS,
    "liaison": frozenset({"ask_liaison", "provide_info"}),
    "leader": frozenset({"ask_liaison"}),
    "human": frozenset({"request_human", "complain"}),
    "not_human": ANSWERING_INTENTS | {"ask_liaison"},
}


@dataclass(slots=True)
class Judged:
    """One question, what happened, and whether it was right."""

    question: Question
    turn: TurnRecord
    correct: bool
    rank: int | None = None  # retrieval alone: 1-based rank of the first right chunk
    features: tuple[float, ...] | None = None
    confidence: float = 0.0
    top_correct: bool = False
    offered_choices: bool = False  # declined, offering candidates (猜你想问)
    choice_right: bool = False  # … and one of them is the question's source


    @property
    def wrong_answer(self) -> bool:
        """Answered an in-scope question citing the wrong source first."""
        return self.question.kind == "inscope" and self.turn.answered and not self.correct


def _liaison_right(knowledge: KnowledgeBase, question: Question, turn: TurnRecord) -> bool:
    liaison = knowledge.directory.get(question.district or "")
    first = turn.first_citation
    if liaison is None or first is None or not turn.answered:
        return False
    return (first.get("doc_id") == "directory"
            and str(first.get("snippet", "")).startswith(f"{liaison.district}：")
            and liaison.department in turn.text and liaison.contact in turn.text)


def _leader_right(knowledge: KnowledgeBase, question: Question, turn: TurnRecord) -> bool:
    directory = knowledge.directory
    if question.leader and question.district:
        return question.leader in turn.text and question.district in turn.text
    if question.leader:
        districts = directory.districts_of_leader(question.leader)
        return bool(districts) and all(d.district in turn.text for d in districts)
    liaison = directory.get(question.district or "")
    return liaison is not None and liaison.leader in turn.text


def judge(knowledge: KnowledgeBase, question: Question, turn: TurnRecord) -> bool:
    """Whether the turn is what the question's label asks for."""
    if question.kind == "inscope":
        first = turn.first_citation
        return (turn.answered and first is not None
                and question.accepts(str(first.get("doc_id")), str(first.get("section", ""))))
    if question.kind == "outscope":
        return not turn.answered and not turn.form_active
    if question.kind == "liaison":
        return _liaison_right(knowledge, question, turn)
    if question.kind == "leader":
        return _leader_right(knowledge, question, turn)
    if question.kind == "human":
        return turn.form_active or turn.handoff is not None
    return not (turn.form_active or turn.handoff is not None)  # not_human


def retrieval_rank(knowledge: KnowledgeBase, searcher: HybridSearcher, question: Question
                   ) -> tuple[int | None, tuple[float, ...] | None, float]:
    """Rank of the first right chunk in the top 10, the top hit's features, its confidence."""
    result = searcher.search(question.text, k=10)
    features = result.hits[0].features if result.hits else None
    rank = None
    if question.kind == "inscope":
        for position, hit in enumerate(result.hits, start=1):
            chunk = knowledge.chunk(hit.chunk_id)
            if question.accepts(chunk.doc_id, chunk.section):
                rank = position
                break
    return rank, features, result.confidence


def offered_chunks(turn: TurnRecord) -> list[str]:
    """The chunks a decline offers as choices (猜你想问), in order."""
    return [chunk for payload in turn.payloads if (chunk := chosen_chunk(payload))]


def _accepts_chunk(knowledge: KnowledgeBase, question: Question, chunk_id: str) -> bool:
    try:
        chunk = knowledge.chunk(chunk_id)
    except KeyError:
        return False
    return question.accepts(chunk.doc_id, chunk.section)


def run_questions(probe: ChatProbe, knowledge: KnowledgeBase, searcher: HybridSearcher | None,
                  questions: Iterable[Question], prefix: str) -> list[Judged]:
    """Every question in a fresh conversation; retrieval ranks when a searcher is given."""
    rows = []
    for question in questions:
        turn = probe.ask(f"{prefix}-{question.set}-{question.id}", question.text,
                         parse=probe.rasa_url is not None)
        row = Judged(question, turn, judge(knowledge, question, turn))
        offered = offered_chunks(turn) if not turn.answered else []
        row.offered_choices = bool(offered)
        row.choice_right = question.kind == "inscope" and any(
            _accepts_chunk(knowledge, question, chunk) for chunk in offered)
        if searcher is not None and question.kind in ("inscope", "outscope"):
            row.rank, row.features, row.confidence = retrieval_rank(knowledge, searcher, question)
            row.top_correct = row.rank == 1
        rows.append(row)
    return rows


@dataclass(slots=True)
class DialogueResult:
    """How a scripted handoff ended."""

    dialogue: Dialogue
    started: bool = False  # the assistant began collecting the handoff
    ticket_district: str | None = None
    transcript: list[str] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        """A ticket for the right district."""
        return self.ticket_district == self.dialogue.district


_CONFIRM_BUTTON = "确认提交"


def run_dialogue(probe: ChatProbe, dialogue: Dialogue, session_id: str,
                 max_turns: int = 10) -> DialogueResult:
    """Play the enterprise: the opening, then answer whatever the assistant asks."""
    result = DialogueResult(dialogue)
    answers = {"district": dialogue.location, "company": dialogue.company,
               "phone": dialogue.phone}
    pending = [dialogue.location, dialogue.company, dialogue.phone]  # for the direct path
    turn: TurnRecord | None = None
    for text in dialogue.opening:
        turn = _say(probe, session_id, text, result)
    for _ in range(max_turns):
        assert turn is not None
        if turn.handoff is not None:
            result.ticket_district = turn.handoff.get("district") or "（分诊）"
            return result
        if _CONFIRM_BUTTON in turn.buttons:
            result.started = True
            turn = _say(probe, session_id, "/affirm", result)
            continue
        if not turn.form_active:
            return result
        result.started = True
        slot = probe.requested_slot(session_id)
        if slot in answers:
            turn = _say(probe, session_id, answers[slot], result)
        elif probe.rasa_url is None or turn.degraded:
            if not pending:
                return result
            turn = _say(probe, session_id, pending.pop(0), result)
        else:
            return result
    return result


def _say(probe: ChatProbe, session_id: str, text: str, result: DialogueResult) -> TurnRecord:
    turn = probe.ask(session_id, text)
    result.transcript += [f"企业：{text}", *(f"店小二：{t}" for t in turn.texts)]
    return turn


# --- summaries ----------------------------------------------------------------------------
def _rate(hits: int, n: int) -> float | None:
    return hits / n if n else None


def summarise(rows: list[Judged], dialogues: list[DialogueResult] | None = None
              ) -> dict[str, float | int | None]:
    """The rates of the README's table for one set and one path."""
    by_kind: dict[str, list[Judged]] = defaultdict(list)
    for row in rows:
        by_kind[row.question.kind].append(row)
    inscope = by_kind["inscope"]
    n_in = len(inscope)
    clause_rows = [r for r in inscope if r.question.clause]
    ranked = [r for r in inscope if r.features is not None]
    summary: dict[str, float | int | None] = {
        "inscope_n": n_in,
        "inscope_right": _rate(sum(r.correct for r in inscope), n_in),
        "inscope_wrong": _rate(sum(r.wrong_answer for r in inscope), n_in),
        "inscope_declined": _rate(sum(not r.turn.answered for r in inscope), n_in),
        "inscope_declined_choice_right": _rate(
            sum(not r.turn.answered and r.choice_right for r in inscope), n_in),
        "inscope_nlu_misrouted": _rate(
            sum(r.turn.nlu_intent is not None and r.turn.nlu_intent not in ANSWERING_INTENTS
                for r in inscope), n_in) if any(r.turn.nlu_intent for r in inscope) else None,
        "hit1": _rate(sum(r.rank == 1 for r in ranked), len(ranked)),
        "hit3": _rate(sum(r.rank is not None and r.rank <= 3 for r in ranked), len(ranked)),
        "mrr": (sum(1 / r.rank for r in ranked if r.rank) / len(ranked)) if ranked else None,
        "clause_n": len(clause_rows),
        "clause_hit1": _rate(sum(r.rank == 1 for r in clause_rows if r.features is not None),
                             sum(r.features is not None for r in clause_rows)),
    }
    summary["outscope_offered_choices"] = _rate(
        sum(r.offered_choices for r in by_kind["outscope"]), len(by_kind["outscope"]))
    for kind in ("outscope", "liaison", "leader", "human", "not_human"):
        group = by_kind[kind]
        summary[f"{kind}_n"] = len(group)
        summary[f"{kind}_right"] = _rate(sum(r.correct for r in group), len(group))
    if dialogues is not None:
        summary["dialogues_n"] = len(dialogues)
        summary["dialogues_started"] = _rate(sum(d.started for d in dialogues), len(dialogues))
        summary["dialogues_right"] = _rate(sum(d.correct for d in dialogues), len(dialogues))
    return summary


def place_breakdown(rows: list[Judged]) -> dict[str, tuple[int, int]]:
    """Liaison questions by how the place was named: (right, n)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.question.kind == "liaison":
            key = row.question.place_type or "—"
            counts[key][0] += row.correct
            counts[key][1] += 1
    return {key: (right, n) for key, (right, n) in sorted(counts.items())}


def confusion(rows: list[Judged]) -> dict[str, Counter[str]]:
    """Kind → Counter of the NLU intents Rasa gave its questions."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        if row.turn.nlu_intent is not None:
            table[row.question.kind][row.turn.nlu_intent] += 1
    return table
