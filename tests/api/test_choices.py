"""猜你想问: a decline offers the closest candidates; picking one answers exactly it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from assistant.assistant import DirectAssistant
from assistant.clarify import LABEL_CHARS, MAX_CHOICES, choice_payload, chosen_chunk
from tests.api.test_chat import chat

if TYPE_CHECKING:
    from api.runtime import Runtime

QUESTION = "高企认定需要满足哪些条件"


def _assistant(runtime: Runtime, answer: float, floor: float | None) -> DirectAssistant:
    """The served assistant with another answer threshold and choice floor."""
    served = runtime.assistant()
    return DirectAssistant(served.knowledge, served.searcher, answer,
                           served.faq_verbatim_similarity, served.registries, floor)


def test_payload_round_trip() -> None:
    payload = choice_payload("faq-gaoqi-1#1")
    assert payload == '/ask_policy{"chunk": "faq-gaoqi-1#1"}'
    assert chosen_chunk(payload) == "faq-gaoqi-1#1"


@pytest.mark.parametrize("text", [
    "/ask_policy", "/ask_policy{", '/ask_policy{"chunk": 3}', '/ask_policy{"chunk": ""}',
    '/ask_policy["chunk"]', "高企认定", '/rate_service{"rating":"5"}',
])
def test_other_messages_choose_nothing(text: str) -> None:
    assert chosen_chunk(text) is None


def test_a_decline_offers_the_best_candidates_and_a_person(runtime: Runtime) -> None:
    assistant = _assistant(runtime, answer=1.01, floor=0.0)  # never sure enough to answer
    turn = assistant.respond(QUESTION)
    assert turn.outcome == "declined" and turn.answer is None
    offered = [(title, payload) for title, payload in turn.buttons
               if chosen_chunk(payload) is not None]
    assert 1 <= len(offered) <= MAX_CHOICES
    assert turn.buttons[-1] == ("转人工", "/request_human")
    assert all(len(title) <= LABEL_CHARS for title, _ in offered)
    assert len({title for title, _ in offered}) == len(offered)
    result = runtime.searcher.search(QUESTION, k=5)  # type: ignore[union-attr]
    assert chosen_chunk(offered[0][1]) == result.hits[0].chunk_id  # best first
    assert "是不是" in turn.texts[0]


def test_no_choices_below_the_floor_or_when_switched_off(runtime: Runtime) -> None:
    for floor in (1.0, None):
        turn = _assistant(runtime, answer=1.01, floor=floor).respond(QUESTION)
        assert turn.outcome == "declined"
        assert turn.buttons == [("转人工", "/request_human")]


def test_another_agencys_question_is_referred_not_offered_choices(runtime: Runtime) -> None:
    turn = _assistant(runtime, answer=1.01, floor=0.0).respond("个人所得税汇算清缴怎么操作")
    assert turn.outcome == "referred"
    assert all(chosen_chunk(payload) is None for _, payload in turn.buttons)


def test_picking_a_choice_answers_that_piece_citing_it(runtime: Runtime) -> None:
    assistant = _assistant(runtime, answer=1.01, floor=0.0)
    offered = [payload for _, payload in assistant.respond(QUESTION).buttons
               if chosen_chunk(payload)]
    for payload in offered:
        chunk = runtime.knowledge.chunk(chosen_chunk(payload) or "")
        turn = assistant.respond(payload)  # answered although nothing reaches the threshold
        assert turn.outcome == "answered" and turn.answer is not None
        assert turn.answer.citations[0].doc_id == chunk.doc_id
        assert turn.answer.citations[0].section == chunk.section
        assert turn.answer.confidence == 1.0


def test_a_forged_or_stale_choice_is_declined_politely(client: TestClient) -> None:
    body = chat(client, choice_payload("no-such-document#9"))
    assert body["answer"] is None
    assert "不在现行的政策和办事指南里" in body["replies"][0]["text"]


def test_choice_buttons_travel_through_the_chat_contract(client: TestClient,
                                                         runtime: Runtime) -> None:
    chunk_id = runtime.searcher.search(QUESTION, k=1).hits[0].chunk_id  # type: ignore[union-attr]
    body = chat(client, choice_payload(chunk_id))
    assert body["answer"] is not None and body["answer"]["confidence"] == 1.0
    document = runtime.knowledge.document(runtime.knowledge.chunk(chunk_id).doc_id)
    assert body["answer"]["citations"][0]["doc_id"] == document.id
