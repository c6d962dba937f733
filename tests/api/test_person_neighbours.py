"""The direct path recognises requests for a person its rules miss, by the nearest NLU
examples — and still answers what the knowledge base answers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from assistant import intent_rules
from assistant.person_neighbours import (
    Example,
    PersonNeighbours,
    cached_vectors,
    load_nlu_examples,
)

if TYPE_CHECKING:
    from api.runtime import Runtime

# Phrasings the keyword rules do not know (checked below), written for this test.
UNKNOWN_TO_RULES = ["这事你们能不能安排一位懂行的同志跟我聊聊", "机器回答没用，我想和你们单位的人直接沟通",
                    "能不能派个专人跟进一下我们的情况", "我想当面和工作人员谈谈"]
NOT_REQUESTS = ["人工智能企业有什么补贴", "高企认定要多久", "请问孵化器认定找谁办"]


def test_nlu_examples_are_read_as_plain_text(tmp_path: Path) -> None:
    (tmp_path / "handoff.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: request_human\n  examples: |\n'
        "    - 帮我找[光谷](district)的联系人\n    - 轉人工\n"
        "- synonym: 光谷\n  examples: |\n    - 东湖高新区\n", encoding="utf-8")
    (tmp_path / "generated_districts.yml").write_text(
        'nlu:\n- intent: ask_liaison\n  examples: |\n    - 江岸区\n', encoding="utf-8")
    assert load_nlu_examples(tmp_path) == [Example("帮我找光谷的联系人", "request_human"),
                                           Example("转人工", "request_human")]


def test_vectors_are_encoded_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    examples = [Example("转人工", "request_human"), Example("你好", "greet")]
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.eye(len(texts), dtype=np.float32)

    assert cached_vectors(examples, "model-a", tmp_path, None) is None  # not built yet
    first = cached_vectors(examples, "model-a", tmp_path, encode)
    again = cached_vectors(examples, "model-a", tmp_path, None)
    assert first is not None and again is not None and np.array_equal(first, again)
    assert calls == [["转人工", "你好"]]
    assert cached_vectors(examples, "model-b", tmp_path, None) is None  # another model


def test_nearest_examples_vote_weighted_by_cosine() -> None:
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], dtype=np.float32)
    examples = [Example("a", "request_human"), Example("b", "request_human"),
                Example("c", "ask_policy")]
    neighbours = PersonNeighbours(examples, vectors, lambda texts: np.array([[1.0, 0.0]]), k=3)
    assert neighbours.person_share("x") == pytest.approx(1.0)
    towards_policy = PersonNeighbours(examples, vectors, lambda texts: np.array([[0.0, 1.0]]),
                                      k=3)
    assert not towards_policy.asks_for_person("x")
    with pytest.raises(ValueError):
        PersonNeighbours(examples, vectors[:2], lambda texts: vectors)


@pytest.mark.parametrize("text", UNKNOWN_TO_RULES)
def test_the_direct_path_hands_over_requests_its_rules_miss(runtime: Runtime, text: str) -> None:
    assert not intent_rules.wants_human(text)  # else this would test the rules
    assert runtime.person_neighbours(wait=True) is not None
    turn = runtime.assistant().respond(text)
    assert turn.intent == "request_human" and turn.outcome == "handoff"


@pytest.mark.parametrize("text", NOT_REQUESTS)
def test_questions_are_still_answered(runtime: Runtime, text: str) -> None:
    neighbours = runtime.person_neighbours(wait=True)
    assert neighbours is not None and not neighbours.asks_for_person(text)
    assert runtime.assistant().respond(text).outcome == "answered"
