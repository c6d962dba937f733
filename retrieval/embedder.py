"""Sentence embeddings: sentence-transformers (torch), or our onnxruntime backend of the same model.

Both backends make the same vectors (cosine ≥ 0.99999, tests/retrieval/test_onnx_backend.py),
so the fingerprint — and therefore the index manifest — does not depend on the backend.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from retrieval.errors import EmbeddingModelError

RECENT_QUERIES = 64  # single-query vectors kept (Embedder.encode_query)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from retrieval.onnx_backend import OnnxSentenceEncoder

log = logging.getLogger(__name__)

BackendChoice = Literal["auto", "onnx", "torch"]
BACKENDS: tuple[BackendChoice, ...] = ("auto", "onnx", "torch")


class Embedder:
    """Encode queries and passages into L2-normalised vectors (inner product = cosine).

    The model's own prompts named ``query`` and ``passage`` are used when it has them
    (the e5 family); otherwise the prompts given here (empty by default).

    ``backend``: ``"torch"`` (sentence-transformers, the default here: what the index
    build uses), ``"onnx"`` (:mod:`retrieval.onnx_backend` over ``<model>/onnx/``; an
    error when the export is missing, stale or the model is not one it reproduces) or
    ``"auto"`` (onnx when it can, else torch; the app's default, ``DXE_EMBEDDING_BACKEND``).
    ``self.backend`` is the one in use. ``threads`` caps onnxruntime's intra-op threads and
    torch's (``torch.set_num_threads``, process-wide, only ever lowered); default
    :func:`retrieval.onnx_backend.default_threads`.
    """

    def __init__(self, model_name_or_path: str, query_prompt: str | None = None,
                 passage_prompt: str | None = None, batch_size: int = 32,
                 backend: BackendChoice = "torch", threads: int | None = None,
                 lean_tokenizer: bool = True) -> None:
        from retrieval.onnx_backend import default_threads

        if backend not in BACKENDS:
            raise EmbeddingModelError(f"embedding backend {backend!r} is not one of {BACKENDS}")
        self.model_name_or_path = model_name_or_path
        self.batch_size = batch_size
        self.threads = threads or default_threads()
        self._model: SentenceTransformer | None = None
        self._onnx: OnnxSentenceEncoder | None = None
        # thread-safe; the texts of the last few turns (a per-turn saving, not a result cache)
        self._recent_query = lru_cache(maxsize=RECENT_QUERIES)(self._encode_one_query)
        if backend != "torch":
            self._onnx = _load_onnx(model_name_or_path, self.threads, required=backend == "onnx",
                                    lean_tokenizer=lean_tokenizer)
        if self._onnx is not None:
            from retrieval.onnx_backend import model_prompts

            self.backend: Literal["onnx", "torch"] = "onnx"
            prompts = model_prompts(model_name_or_path)
            dimension: int | None = self._onnx.dimension
        else:
            self.backend = "torch"
            self._model = _load_model(model_name_or_path, self.threads)
            prompts = getattr(self._model, "prompts", {}) or {}
            dimension = (self._model.get_embedding_dimension()
                         if hasattr(self._model, "get_embedding_dimension")
                         else self._model.get_sentence_embedding_dimension())
        self.query_prompt = query_prompt if query_prompt is not None else prompts.get("query", "")
        self.passage_prompt = (passage_prompt if passage_prompt is not None
                               else prompts.get("passage", prompts.get("document", "")))
        if not dimension:
            raise EmbeddingModelError(f"{model_name_or_path}: model reports no embedding size")
        self.dimension = int(dimension)
        self.fingerprint = _fingerprint(model_name_or_path, self.query_prompt, self.passage_prompt)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search queries."""
        return self._encode(texts, self.query_prompt, show_progress=False)

    def encode_query(self, text: str) -> np.ndarray:
        """One query's vector (a copy), from a small cache of the latest queries: a turn
        may embed its message twice — the search, then the person-request check."""
        return np.array(self._recent_query(text), dtype=np.float32)  # a writable copy

    def forget_recent_queries(self) -> None:
        """Empty the cache of the latest queries (benchmarks time the embedding itself)."""
        self._recent_query.cache_clear()

    def _encode_one_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self.encode_queries([text])[0]
        vector.flags.writeable = False
        return vector

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Embed documents to index."""
        return self._encode(texts, self.passage_prompt, show_progress=show_progress)

    def _encode(self, texts: list[str], prompt: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx is not None:
            # sentence-transformers prepends the prompt the same way (prompt + text)
            prompted = [prompt + text for text in texts] if prompt else list(texts)
            if not show_progress:
                return self._onnx.encode(prompted, self.batch_size)
            from tqdm import tqdm

            with tqdm(total=len(prompted), desc="Batches (onnx)", unit="text") as bar:
                return self._onnx.encode(prompted, self.batch_size, progress=bar)
        assert self._model is not None
        vectors = self._model.encode(
            texts, prompt=prompt or None, batch_size=self.batch_size,
            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _load_onnx(model_name_or_path: str, threads: int, required: bool,
               lean_tokenizer: bool = True) -> OnnxSentenceEncoder | None:
    from retrieval.onnx_backend import OnnxSentenceEncoder, OnnxUnsupported

    try:
        return OnnxSentenceEncoder(model_name_or_path, threads=threads, lean=lean_tokenizer)
    except OnnxUnsupported as exc:
        if required:
            raise EmbeddingModelError(f"embedding backend onnx: {exc}") from exc
        log.info("embedding backend: torch (onnx not usable: %s)", exc)
        return None


def _load_model(model_name_or_path: str, threads: int) -> SentenceTransformer:
    import torch
    from sentence_transformers import SentenceTransformer

    if torch.get_num_threads() > threads:
        torch.set_num_threads(threads)
    path = Path(model_name_or_path)
    looks_local = path.is_absolute() or model_name_or_path.startswith((".", "var/"))
    if looks_local and not path.is_dir():
        raise EmbeddingModelError(
            f"embedding model folder {path} does not exist; run `make setup` to build it")
    try:
        return SentenceTransformer(model_name_or_path, device="cpu")
    except Exception as exc:  # hub errors, missing files, bad configs
        raise EmbeddingModelError(f"cannot load embedding model {model_name_or_path}: {exc}") \
            from exc


def _fingerprint(model_name_or_path: str, query_prompt: str, passage_prompt: str) -> str:
    """Identifies the model build and prompts; an index from another model is stale.

    Independent of the backend: both make the same vectors."""
    digest = hashlib.sha256(f"{query_prompt}\x00{passage_prompt}".encode())
    path = Path(model_name_or_path)
    if path.is_dir():
        for name in ("conversion.json", "config.json", "tokenizer.json"):
            if (path / name).exists():
                digest.update((path / name).read_bytes())
        for weights in sorted(path.glob("*.safetensors")):
            digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    else:
        digest.update(model_name_or_path.encode())
    return digest.hexdigest()[:16]
