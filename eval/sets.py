"""The labelled question sets, loaded into one shape.

Three sources (README.md, "Quality: make eval"):
- ``questions.yml`` — the original set, written beside the FAQ items and NLU examples
  (kinds clause / doc / liaison / leader / decline); part of the dev set now;
- ``dev_questions.yml`` — a larger dev set written from the notice and topic names only;
- ``blind_questions.yml`` and ``blind_dialogues.yml`` — the held-out blind test set,
  written from the notice and topic names only, never tuned on;
- ``blind_places.yml`` — a second blind set (set name ``blind_places``): 160 liaison
  questions naming places, written from the notice only after the gazetteer landed, to
  measure place matching on names nobody here tuned on.

A question's kind is one of :data:`KINDS`; in-scope questions carry the notice clause
and/or a topic of ``topics.yml`` (which names the documents that answer it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

EVAL_DIR = Path(__file__).resolve().parent
LEGACY_FILE = EVAL_DIR / "questions.yml"
DEV_FILE = EVAL_DIR / "dev_questions.yml"
BLIND_FILE = EVAL_DIR / "blind_questions.yml"
BLIND_DIALOGUES_FILE = EVAL_DIR / "blind_dialogues.yml"
BLIND_PLACES_FILE = EVAL_DIR / "blind_places.yml"  # a second blind set: liaisons by place
TOPICS_FILE = EVAL_DIR / "topics.yml"

KINDS = ("inscope", "outscope", "liaison", "leader", "human", "not_human")
_LEGACY_KINDS = {"clause": "inscope", "doc": "inscope", "decline": "outscope",
                 "liaison": "liaison", "leader": "leader"}
_HALF_TO_FULL = str.maketrans("()", "（）")


class EvalSetError(ValueError):
    """A question set does not follow the expected format."""


@dataclass(frozen=True, slots=True)
class Question:
    """One labelled message."""

    id: str
    text: str
    kind: str
    set: str  # "dev" or "blind"
    clause: str | None = None  # （一）…（十七）
    topic: str | None = None
    docs: tuple[str, ...] = ()  # documents whose citation is right (from the topic or listed)
    district: str | None = None
    leader: str | None = None
    agency: str | None = None
    style: str | None = None
    place_type: str | None = None

    def accepts(self, doc_id: str, section: str) -> bool:
        """Whether a citation of ``doc_id`` / ``section`` answers this in-scope question.

        Right: the clause itself, anything resting on it (an FAQ or guide section whose
        section names the clause, e.g. "首问负责制（（四）提升窗口服务能级）"), or a
        document of the question's topic.
        """
        if self.clause and self.clause in section:
            return True
        return doc_id in self.docs


@dataclass(frozen=True, slots=True)
class Dialogue:
    """A scripted enterprise that ends up handing its problem to a person."""

    id: str
    opening: tuple[str, ...]
    location: str
    company: str
    phone: str
    district: str
    set: str = "blind"


def load_topics(path: Path = TOPICS_FILE) -> dict[str, tuple[str, ...]]:
    """Topic id → the documents that answer questions on it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {str(item["id"]): tuple(str(d) for d in item.get("docs") or ()) for item in data}


def _clause(value: object) -> str | None:
    return str(value).strip().translate(_HALF_TO_FULL) if value else None


def _question(raw: dict, set_name: str, topics: dict[str, tuple[str, ...]]) -> Question:  # type: ignore[type-arg]
    kind = str(raw.get("kind", ""))
    if kind not in KINDS:
        raise EvalSetError(f"{raw.get('id')}: unknown kind {kind!r}")
    topic = str(raw["topic"]) if raw.get("topic") else None
    if topic is not None and topic not in topics:
        raise EvalSetError(f"{raw.get('id')}: unknown topic {topic!r}")
    clause = _clause(raw.get("clause"))
    if kind == "inscope" and not (topic or clause):
        raise EvalSetError(f"{raw.get('id')}: an in-scope question needs a clause or a topic")
    return Question(
        id=str(raw["id"]), text=str(raw["q"]), kind=kind, set=set_name, clause=clause,
        topic=topic, docs=topics.get(topic, ()) if topic else (),
        district=raw.get("district"), leader=raw.get("leader"), agency=raw.get("agency"),
        style=raw.get("style"), place_type=raw.get("place_type"))


def _legacy(raw: dict, position: int) -> Question:  # type: ignore[type-arg]
    kind = _LEGACY_KINDS[str(raw["kind"])]
    expect = raw.get("expect")
    expected = [str(e) for e in expect] if isinstance(expect, list) else \
        ([str(expect)] if expect is not None else [])
    common = {"id": f"Q{position:03d}", "text": str(raw["q"]), "kind": kind, "set": "dev"}
    if raw["kind"] == "clause":
        return Question(**common, clause=_clause(expected[0]))
    if raw["kind"] == "doc":
        return Question(**common, docs=tuple(expected))
    if kind == "liaison":
        return Question(**common, district=expected[0] if expected else None)
    if kind == "leader":
        return Question(**common, leader=expected[0] if expected else None)
    return Question(**common, agency=expected[0] if expected else None)


def _read(path: Path) -> list[dict]:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    if data is None:
        return []
    if not isinstance(data, list):
        raise EvalSetError(f"{path.name}: a YAML list of questions expected")
    return data


def load_questions(set_name: str, topics: dict[str, tuple[str, ...]] | None = None
                   ) -> list[Question]:
    """The questions of the ``dev``, ``blind`` or ``blind_places`` set."""
    topics = load_topics() if topics is None else topics
    if set_name == "dev":
        legacy = [_legacy(raw, i) for i, raw in enumerate(_read(LEGACY_FILE), start=1)]
        return legacy + [_question(raw, "dev", topics) for raw in _read(DEV_FILE)]
    if set_name == "blind":
        return [_question(raw, "blind", topics) for raw in _read(BLIND_FILE)]
    if set_name == "blind_places":
        return [_question(raw, "blind", topics) for raw in _read(BLIND_PLACES_FILE)]
    raise EvalSetError(f"unknown set {set_name!r} (dev, blind or blind_places)")


def load_dialogues(path: Path = BLIND_DIALOGUES_FILE) -> list[Dialogue]:
    """The blind set's multi-turn handoffs."""
    return [Dialogue(id=str(raw["id"]), opening=tuple(str(t) for t in raw["opening"]),
                     location=str(raw["location"]), company=str(raw["company"]),
                     phone=str(raw["phone"]), district=str(raw["district"]))
            for raw in _read(path)]


def texts(questions: Iterable[Question]) -> set[str]:
    """The normalised texts of questions (to check that sets do not overlap)."""
    from knowledge.text import normalize_text

    return {normalize_text(q.text) for q in questions}
