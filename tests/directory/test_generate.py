"""Rasa's generated data from a saved version: the seed gives exactly the committed files,
and an alias added in the editor reaches the NLU examples, synonyms and jieba dictionary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hotline.directory import edits
from hotline.directory.store import seed_data
from knowledge.corpus import DEFAULT_DATA_DIR
from tests.paths import PROJECT_ROOT


def _generate(data: dict, tmp_path: Path) -> tuple[str, str]:  # type: ignore[type-arg]
    version = tmp_path / "version.json"
    version.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    nlu, jieba = tmp_path / "nlu.yml", tmp_path / "districts.txt"
    subprocess.run([sys.executable, "bot/generate_nlu.py", "--from-json", str(version),
                    "--nlu-out", str(nlu), "--jieba-out", str(jieba)],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    return nlu.read_text(encoding="utf-8"), jieba.read_text(encoding="utf-8")


def test_the_seed_version_generates_the_committed_files(tmp_path: Path) -> None:
    data = seed_data(DEFAULT_DATA_DIR / "directory.yml", DEFAULT_DATA_DIR / "gazetteer.yml")
    nlu, jieba = _generate(data, tmp_path)
    assert nlu == (PROJECT_ROOT / "bot/data/nlu/generated_districts.yml").read_text(encoding="utf-8")
    assert jieba == (PROJECT_ROOT / "bot/jieba_dict/districts.txt").read_text(encoding="utf-8")


def test_an_added_alias_reaches_rasas_data(tmp_path: Path) -> None:
    data = seed_data(DEFAULT_DATA_DIR / "directory.yml", DEFAULT_DATA_DIR / "gazetteer.yml")
    row = edits.district(data, "江夏区")
    changed = edits.update_district(data, "江夏区", edits.DistrictFields(
        row["full_name"], row["leader"], row["leader_title"], row["department"], row["contact"],
        "", ("凤栖湖科创园", *row["aliases"])))
    nlu, jieba = _generate(changed, tmp_path)
    assert "[凤栖湖科创园](district)" in nlu  # an example (the first aliases are asked about)
    synonyms = nlu.split("- synonym: 江夏区\n")[1].split("- synonym:")[0]
    assert "    - 凤栖湖科创园\n" in synonyms
    assert "凤栖湖科创园 2000 ns\n" in jieba
