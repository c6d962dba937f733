"""Sentence embeddings through sentence-transformers (any model, local path or hub name)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.errors import EmbeddingModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class Embedder:
    """Encode queries and passages into L2-normalised vectors (inner product = cosine).

    The model's own prompts named ``query`` and ``passage`` are used when it has them
    (the e5 family); otherwise the prompts given here (empty by default).
    """

    def __init__(self, model_name_or_path: str, query_prompt: str | None = None,
                 passage_prompt: str | None = None, batch_size: int = 32) -> None:
        self.model_name_or_path = model_name_or_path
        self.batch_size = batch_size
        self._model = _load_model(model_name_or_path)
        prompts = getattr(self._model, "prompts", {}) or {}
        self.query_prompt = query_prompt if query_prompt is not None else prompts.get("query", "")
        self.passage_prompt = (passage_prompt if passage_prompt is not None
                               else prompts.get("passage", prompts.get("document", "")))
        dimension = (self._model.get_embedding_dimension()
                     if hasattr(self._model, "get_embedding_dimension")
                     else self._model.get_sentence_embedding_dimension())
        if not dimension:
            raise EmbeddingModelError(f"{model_name_or_path}: model reports no embedding size")
        self.dimension = int(dimension)
        self.fingerprint = _fingerprint(model_name_or_path, self.query_prompt, self.passage_prompt)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search queries."""
        return self._encode(texts, self.query_prompt, show_progress=False)

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        """Embed documents to index."""
        return self._encode(texts, self.passage_prompt, show_progress=show_progress)

    def _encode(self, texts: list[str], prompt: str, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts, prompt=prompt or None, batch_size=self.batch_size,
            normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _load_model(model_name_or_path: str) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

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
    """Identifies the model build and prompts; an index from another model is stale."""
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
