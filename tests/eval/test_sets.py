"""The evaluation sets stay honest: blind texts are nowhere in what the system learns from."""

from __future__ import annotations

import re

import pytest
import yaml

from eval.sets import KINDS, load_dialogues, load_questions, load_topics, texts
from knowledge.text import normalize_text
from tests.paths import PROJECT_ROOT

CLAUSES = {f"（{n}）" for n in ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六", "十七"]}
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def nlu_examples() -> set[str]:
    found = set()
    for path in (PROJECT_ROOT / "bot" / "data" / "nlu").glob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (item.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    found.add(normalize_text(_ANNOTATION.sub(r"\1", line.strip()[2:])))
    return found


def knowledge_texts(knowledge) -> set[str]:  # type: ignore[no-untyped-def]
    return {normalize_text(text) for document in knowledge.documents
            for chunk in document.chunks for text in (chunk.text, *chunk.search_texts)}


@pytest.fixture(scope="module")
def blind() -> set[str]:
    return texts(load_questions("blind")) | texts(load_questions("blind_places"))


def contained(blind: set[str], texts: set[str]) -> list[tuple[str, str]]:
    """Blind questions that appear in a text, whole or inside it."""
    return [(question, text) for question in sorted(blind) for text in texts if question in text]


def test_blind_questions_are_not_in_the_nlu_data(blind: set[str]) -> None:
    assert not contained(blind, nlu_examples())


def test_blind_questions_are_not_in_the_knowledge_base(blind: set[str], knowledge) -> None:  # type: ignore[no-untyped-def]
    assert not contained(blind, knowledge_texts(knowledge))


def test_blind_and_dev_sets_are_disjoint(blind: set[str]) -> None:
    assert not blind & texts(load_questions("dev"))


def test_blind_set_is_large_and_covers_every_kind() -> None:
    questions = load_questions("blind")
    assert len(questions) >= 300
    assert {q.kind for q in questions} == set(KINDS)
    assert len(load_dialogues()) >= 20


@pytest.mark.parametrize("set_name", ["dev", "blind", "blind_places"])
def test_labels_name_real_clauses_districts_and_leaders(set_name: str, knowledge) -> None:  # type: ignore[no-untyped-def]
    directory = knowledge.directory
    for question in load_questions(set_name):
        assert question.clause is None or question.clause in CLAUSES, question
        assert question.district is None or directory.get(question.district), question
        assert question.leader is None or question.leader in directory.leaders, question
    for dialogue in load_dialogues():
        assert directory.get(dialogue.district), dialogue


def test_every_topic_names_documents_of_the_knowledge_base(knowledge) -> None:  # type: ignore[no-untyped-def]
    ids = {document.id for document in knowledge.documents}
    for topic, docs in load_topics().items():
        assert docs, topic
        assert set(docs) <= ids, (topic, set(docs) - ids)


def test_a_citation_of_the_clause_or_a_topic_document_is_right() -> None:
    question = next(q for q in load_questions("dev") if q.clause and q.docs)
    assert question.accepts("anything", f"{question.clause}某条款")
    assert question.accepts(question.docs[0], "第一条")
    assert not question.accepts("faq-unrelated", "第一条")


def test_eval_files_say_they_are_blind() -> None:
    for name in ("blind_questions.yml", "blind_dialogues.yml", "blind_places.yml"):
        assert "BLIND" in (PROJECT_ROOT / "eval" / name).read_text(encoding="utf-8")[:200]
