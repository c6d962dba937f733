"""The knowledge editor's synonyms reach Rasa's entity synonyms at a retrain, without ever
mapping a text the bot's own data maps already."""

from __future__ import annotations

from pathlib import Path

import yaml

from hotline.library.rasa_export import mapped_texts, rasa_synonyms_yaml
from knowledge.corpus import load_file_tables
from tests.paths import PROJECT_ROOT

BOT_NLU = sorted((PROJECT_ROOT / "bot" / "data" / "nlu").glob("*.yml"))


def _mapping(text: str) -> dict[str, str]:
    mapped = {}
    for entry in yaml.safe_load(text)["nlu"]:
        for line in entry["examples"].splitlines():
            mapped[line.removeprefix("- ").strip()] = entry["synonym"]
    return mapped


def test_the_bots_own_synonyms_are_read() -> None:
    taken = mapped_texts(BOT_NLU)
    assert {"高企认定", "高企", "科特派"} <= taken  # a canonical value and its examples


def test_the_seed_synonyms_add_only_what_the_bot_does_not_map() -> None:
    synonyms = load_file_tables(PROJECT_ROOT / "knowledge" / "data").synonyms
    taken = mapped_texts(BOT_NLU)
    generated = _mapping(rasa_synonyms_yaml(synonyms, taken))
    assert generated["双创"] == "创新创业" and generated["国重"] == "国家重点实验室"
    assert "高企" not in generated and "科特派" not in generated  # the bot maps them already
    assert not {text.casefold() for text in generated} & {t.casefold() for t in taken}


def test_an_editors_new_synonym_is_exported(tmp_path: Path) -> None:
    generated = _mapping(rasa_synonyms_yaml({"光电子": "光电子信息产业", "高企": "高新技术企业"},
                                            mapped_texts(BOT_NLU)))
    assert generated == {"光电子": "光电子信息产业"}
