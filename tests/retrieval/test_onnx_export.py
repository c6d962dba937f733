"""The ONNX export of the e5 model embeds like sentence-transformers and rebuilds only on change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from retrieval.embedding import onnx_export  # noqa: E402
from retrieval.embedding.onnx_export import (  # noqa: E402
    MIN_COSINE,
    OnnxEmbedder,
    OnnxExportError,
    check_against_sentence_transformers,
    export_onnx,
    is_up_to_date,
    onnx_dir,
    source_fingerprint,
)

pytestmark = pytest.mark.slow

SENTENCES = [
    "高新技术企业认定需要什么材料",
    "光谷的企业找谁",
    "高新技術企業認定需要什麼材料",
    "我的工单进度到哪了，DXE20250312-4F9A1C",
    "材料交了两个月没消息，太差了",
    "外国人来华工作许可怎么办理？",
]


def _linked_copy(source: Path, target: Path) -> Path:
    """The model folder as symlinks (no 470 MB copy), without any ONNX export."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if relative.parts[0] == onnx_export.ONNX_SUBDIR or path.is_dir():
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).symlink_to(path)
    return target


@pytest.fixture(scope="session")
def exported_model(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder with a current ONNX export: `make setup`'s, else one made here
    (next to symlinks of the model, never inside the developer's var/)."""
    if is_up_to_date(model_dir):
        return model_dir
    copy = _linked_copy(model_dir, tmp_path_factory.mktemp("onnx-model"))
    export_onnx(copy)
    return copy


@pytest.fixture(scope="session")
def onnx_embedder(exported_model: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_dir(exported_model), threads=2)


def test_onnx_embeddings_match_sentence_transformers(onnx_embedder, embedder) -> None:  # type: ignore[no-untyped-def]
    reference = embedder.encode_queries(SENTENCES)
    batched = onnx_embedder.encode([embedder.query_prompt + text for text in SENTENCES])
    single = np.vstack([onnx_embedder.encode([embedder.query_prompt + text])
                        for text in SENTENCES])
    assert batched.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert (batched * reference).sum(axis=1).min() >= MIN_COSINE
    assert (single * reference).sum(axis=1).min() >= MIN_COSINE


def test_export_has_dynamic_axes_and_fused_attention(exported_model: Path) -> None:
    import onnx
    import onnxruntime as ort

    folder = onnx_dir(exported_model)
    session = ort.InferenceSession(str(folder / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    inputs = {i.name: i.shape for i in session.get_inputs()}
    assert inputs == {"input_ids": ["batch", "sequence"],
                      "attention_mask": ["batch", "sequence"],
                      "inputs_embeds": ["batch", "sequence", 384]}
    assert [(o.name, o.shape) for o in session.get_outputs()] == [
        ("last_hidden_state", ["batch", "sequence", 384])]
    ops = {node.op_type for node in onnx.load(str(folder / "model.onnx")).graph.node}
    assert {"Attention", "SkipLayerNormalization"} <= ops
    assert not ops & {"DynamicQuantizeLinear", "MatMulInteger", "QAttention"}  # fp32 only
    marker = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    assert marker["precision"] == "fp32"
    assert marker["check"]["min_cosine"] >= MIN_COSINE
    assert (folder / "tokenizer.json").read_bytes() == \
        (exported_model / "tokenizer.json").read_bytes()


def test_second_export_is_a_no_op(exported_model: Path) -> None:
    before = (onnx_dir(exported_model) / "model.onnx").stat().st_mtime_ns
    report = export_onnx(exported_model)
    assert not report.built
    assert (onnx_dir(exported_model) / "model.onnx").stat().st_mtime_ns == before


def test_changed_source_model_makes_the_export_stale(exported_model: Path,
                                                     tmp_path: Path) -> None:
    copy = _linked_copy(exported_model, tmp_path / "model")
    (copy / onnx_export.ONNX_SUBDIR).symlink_to(onnx_dir(exported_model))
    assert is_up_to_date(copy)
    config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    (copy / "config.json").unlink()
    config["layer_norm_eps"] = 1e-6
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert source_fingerprint(copy) != source_fingerprint(exported_model)
    assert not is_up_to_date(copy)


def test_check_fails_the_build_below_the_threshold(exported_model: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx_export, "MIN_COSINE", 1.0 + 1e-3)
    with pytest.raises(OnnxExportError, match="minimum cosine"):
        check_against_sentence_transformers(exported_model, onnx_dir(exported_model),
                                            texts=["query: 光谷的企业找谁"])


def test_missing_source_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OnnxExportError, match="make setup"):
        export_onnx(tmp_path)


def test_the_weights_are_external_and_memory_mapped(exported_model: Path) -> None:
    """model.onnx holds the graph only; onnxruntime maps model.onnx.data instead of copying
    it, and the word table is not loaded at all: a session's resident memory stays far
    below the model's weights (the transformer's and the table's)."""
    import subprocess
    import sys

    folder = onnx_dir(exported_model)
    weights = (folder / "model.onnx.data").stat().st_size + \
        (folder / "word_embeddings.npy").stat().st_size
    assert (folder / "model.onnx").stat().st_size < weights / 100
    probe = (
        "import sys, onnxruntime as ort\n"
        "def rss():\n"
        "    return next(int(l.split()[1]) * 1024 for l in open('/proc/self/status')\n"
        "                if l.startswith('VmRSS'))\n"
        "before = rss()\n"
        "session = ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])\n"
        "print(rss() - before)\n")
    grown = int(subprocess.run([sys.executable, "-c", probe, str(folder / "model.onnx")],
                               capture_output=True, text=True, check=True).stdout)
    assert grown < weights / 2, (grown, weights)


def test_the_word_table_is_outside_the_graph(exported_model: Path) -> None:
    """The 250k-row word-embedding table is word_embeddings.npy, equal to the model's own,
    and not among the graph's weights."""
    from safetensors import safe_open

    from retrieval.embedding.word_table import TABLE_FILE, WordTable

    folder = onnx_dir(exported_model)
    table = WordTable(folder / TABLE_FILE)
    with safe_open(str(exported_model / "model.safetensors"), "np") as weights:
        names = weights.keys()  # noqa: SIM118 (a safetensors handle, not a dict)
        (name,) = [key for key in names if key.endswith("word_embeddings.weight")]
        words = weights.get_tensor(name)
    assert (table.rows, table.dimension) == words.shape
    ids = np.array([[0, 1, 2, 6, 9154], [250001, 1647, 12, 1, 1]])
    assert np.array_equal(table.lookup(ids), words[ids])
    assert (folder / "model.onnx.data").stat().st_size < words.nbytes


def test_the_app_encoder_reads_the_table_without_mapping_it(exported_model: Path) -> None:
    from retrieval.onnx_backend import OnnxSentenceEncoder

    encoder = OnnxSentenceEncoder(exported_model)
    assert encoder.encode(["query: 光谷的企业找谁", "query: 高企 网上能办不"]).shape == (2, 384)
    maps = Path("/proc/self/maps").read_text()
    assert "model.onnx.data" in maps  # the transformer's weights are mapped…
    assert "word_embeddings.npy" not in maps  # …the table is read row by row

