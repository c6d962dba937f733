"""The lean tokenizer gives exactly tokenizer.json's ids (as ``tokenizers`` encodes them for the
app), from its built files or built in memory, and refuses what it cannot reproduce."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from retrieval.embedding.lean_tokenizer import (
    MARKER_FILE,
    LeanTokenizer,
    LeanUnsupported,
    lean_unsupported,
    write_lean_tokenizer,
)
from retrieval.onnx_backend import OnnxSentenceEncoder
from tests.paths import PROJECT_ROOT

MAX_LENGTH = 512

EDGE_CASES = [
    "", " ", "  ", "a", "query: ", "passage: 高企认定",
    "<s>", "</s>", "<pad>", "<unk>", "<mask>", "a <mask>", "a<mask>b", "<s>abc</s> <mask>",
    "x<unk>y", "<s><pad></s><mask><unk>", "a </s>b",
    "高企 网上能办不", "光谷的liaison电话", "繁體字：高新技術企業認定", "Ｆｕｌｌｗｉｄｔｈ　全角",
    "零宽\u200b字符", "换行\n之后\n\t还有", "组合字符 e\u0301 a\u0308", "emoji 😀🇨🇳👨‍👩‍👧",
    "私用区\ue000\uf8ff", "扩展B 𠀀𠀁𪚥", "控制符\x00\x01\x7f", "      很多空格      ",
    "DXE20250312-4F9A1C", "13912345678", "https://kjj.wuhan.gov.cn/?a=1&b=2",
    "a" * 3000, "光谷" * 600, "高企 high-tech " * 200,
]


@pytest.fixture(scope="module")
def reference(model_dir: Path) -> Tokenizer:
    """``tokenizers`` configured as the ONNX backend configured it before the lean tokenizer."""
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_LENGTH)
    tokenizer.encode_special_tokens = True
    return tokenizer


@pytest.fixture(scope="module")
def built(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lean files built here from the model's tokenizer.json."""
    out = tmp_path_factory.mktemp("lean")
    assert write_lean_tokenizer(model_dir / "tokenizer.json", out) is True
    return out


@pytest.fixture(scope="module")
def lean(model_dir: Path, built: Path) -> LeanTokenizer:
    return LeanTokenizer.load(model_dir / "tokenizer.json", built, MAX_LENGTH)


def _corpus(knowledge) -> list[str]:  # type: ignore[no-untyped-def]
    """Every chunk and search text of the knowledge base and every NLU example."""
    texts = [text for chunk in knowledge.chunks() for text in (chunk.text, *chunk.search_texts)]
    for path in sorted((PROJECT_ROOT / "bot" / "data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            examples = block.get("examples") if isinstance(block, dict) else None
            if isinstance(examples, str):
                texts += [line.strip()[2:] for line in examples.splitlines()
                          if line.strip().startswith("- ")]
    return texts


def test_same_ids_on_the_knowledge_base_and_the_nlu_data(lean, reference, knowledge) -> None:  # type: ignore[no-untyped-def]
    texts = _corpus(knowledge)
    assert len(texts) > 2000
    for prefix in ("query: ", "passage: "):
        for text in texts:
            assert lean.encode(prefix + text) == reference.encode(prefix + text).ids, text


@pytest.mark.parametrize("text", EDGE_CASES)
def test_same_ids_on_edge_cases(lean, reference, text: str) -> None:  # type: ignore[no-untyped-def]
    ids = lean.encode(text)
    assert ids == reference.encode(text).ids
    assert len(ids) <= MAX_LENGTH and ids[0] == 0 and ids[-1] == 2


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_same_ids_on_any_text(lean, reference, text: str) -> None:  # type: ignore[no-untyped-def]
    assert lean.encode(text) == reference.encode(text).ids


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("高企认定孵化器光谷武汉 ▁<>s/a1　，。！?")), max_size=60))
def test_same_ids_on_dense_chinese_and_markers(lean, reference, text: str) -> None:  # type: ignore[no-untyped-def]
    assert lean.encode(text) == reference.encode(text).ids


def test_a_long_text_keeps_its_first_tokens(lean, reference) -> None:  # type: ignore[no-untyped-def]
    text = "高新技术企业认定申报材料" * 200
    assert lean.encode(text) == reference.encode(text).ids
    assert len(lean.encode(text)) == MAX_LENGTH


def test_a_short_limit_truncates_like_tokenizers(model_dir: Path, built: Path) -> None:
    text = "高企认定网上能办不 high-tech"
    for limit in (2, 3, 8):
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(limit)
        tokenizer.encode_special_tokens = True
        short = LeanTokenizer.load(model_dir / "tokenizer.json", built, limit)
        assert short.encode(text) == tokenizer.encode(text).ids
        assert len(short.encode(text)) == limit


def test_building_is_idempotent_and_follows_the_source(model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "tokenizer.json"
    shutil.copy(model_dir / "tokenizer.json", source)
    out = tmp_path / "lean"
    assert write_lean_tokenizer(source, out) is True
    assert write_lean_tokenizer(source, out) is False  # current: nothing done
    spec = json.loads(source.read_text(encoding="utf-8"))
    spec["model"]["vocab"][5][1] = 0.0  # "." now outscores everything
    source.write_text(json.dumps(spec), encoding="utf-8")
    assert write_lean_tokenizer(source, out) is True  # the marker's sha256 no longer matches
    changed = Tokenizer.from_str(json.dumps(spec))
    changed.encode_special_tokens = True
    assert LeanTokenizer.load(source, out, MAX_LENGTH).encode("a.b..c") == \
        changed.encode("a.b..c").ids


def test_stale_or_missing_files_are_built_in_memory(  # type: ignore[no-untyped-def]
        model_dir: Path, built: Path, tmp_path: Path, reference, caplog) -> None:
    stale = tmp_path / "stale"
    shutil.copytree(built, stale)
    marker = json.loads((stale / MARKER_FILE).read_text(encoding="utf-8"))
    marker["source_sha256"] = "0" * 64
    (stale / MARKER_FILE).write_text(json.dumps(marker), encoding="utf-8")
    (stale / "unigram.model").write_bytes(b"not a model")  # never read: the marker is stale
    for folder in (stale, tmp_path / "missing"):
        with caplog.at_level(logging.INFO, logger="retrieval.embedding.lean_tokenizer"):
            tokenizer = LeanTokenizer.load(model_dir / "tokenizer.json", folder, MAX_LENGTH)
        assert "building it in memory" in caplog.text
        assert tokenizer.encode("query: 光谷的企业找谁") == reference.encode("query: 光谷的企业找谁").ids
        caplog.clear()


def test_special_tokens_have_their_ids(lean) -> None:  # type: ignore[no-untyped-def]
    assert (lean.token_to_id("<pad>"), lean.token_to_id("<s>"), lean.token_to_id("</s>")) == (1, 0, 2)
    assert lean.token_to_id("<nope>") is None


def test_what_it_cannot_reproduce_is_refused(model_dir: Path, tmp_path: Path) -> None:
    spec = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    assert lean_unsupported(spec, split_special_tokens=True) is None
    assert "split_special_tokens" in str(lean_unsupported(spec, split_special_tokens=False))
    variants = {
        "BPE": lambda s: s["model"].update(type="BPE"),
        "byte fallback": lambda s: s["model"].update(byte_fallback=True),
        "TemplateProcessing": lambda s: s.update(post_processor={"type": "ByteLevel"}),
        "truncation": lambda s: s.update(truncation={"max_length": 8}),
    }
    for expected, change in variants.items():
        variant = json.loads(json.dumps(spec))
        change(variant)
        assert expected in str(lean_unsupported(variant, split_special_tokens=True))
        path = tmp_path / f"{expected}.json"
        path.write_text(json.dumps(variant), encoding="utf-8")
        with pytest.raises(LeanUnsupported):
            write_lean_tokenizer(path, tmp_path / f"{expected}-lean")
        with pytest.raises(LeanUnsupported):
            LeanTokenizer.load(path, tmp_path / f"{expected}-lean", MAX_LENGTH)


@pytest.mark.slow
def test_the_backend_embeds_alike_with_either_tokenizer(model_dir: Path) -> None:
    from retrieval.embedding.onnx_export import is_up_to_date

    if not is_up_to_date(model_dir):
        pytest.skip("no current ONNX export (make setup builds it)")  # test_onnx_backend covers it
    lean = OnnxSentenceEncoder(model_dir)
    plain = OnnxSentenceEncoder(model_dir, lean=False)
    assert lean._lean is not None and plain._lean is None
    texts = ["query: 高企 网上能办不", "passage: 东湖高新区有哪些国家级孵化器？", "query: <s>", ""]
    assert lean.token_ids(texts) == plain.token_ids(texts)
    assert (lean.encode(texts) == plain.encode(texts)).all()
