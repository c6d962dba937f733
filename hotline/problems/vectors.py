"""Embeddings of problem texts, cached in memory and in the database per model.

Embedding is the slow part on a CPU (tens of milliseconds a text), and the list is asked
for again and again with mostly the same items, so each distinct text is embedded once per
model, ever; a restart reads the vectors back from ``problem_vectors``.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hotline.problems.models import ProblemVector
from retrieval.embedder import Embedder

log = logging.getLogger(__name__)

_BATCH = 500  # keys per IN (…) query


def text_digest(text: str) -> str:
    """The cache key of a prepared text."""
    return hashlib.sha256(text.encode()).hexdigest()


class VectorCache:
    """L2-normalised query embeddings of texts, computed once per text and model."""

    def __init__(self, sessions: sessionmaker[Session], max_memory: int = 50_000) -> None:
        self._sessions = sessions
        self._memory: dict[tuple[str, str], np.ndarray] = {}
        self._max_memory = max_memory
        self._lock = threading.Lock()

    def vectors(self, embedder: Embedder, texts: list[str]) -> np.ndarray:
        """One row per text, in order."""
        if not texts:
            return np.zeros((0, embedder.dimension), dtype=np.float32)
        model = embedder.fingerprint
        digests = [text_digest(text) for text in texts]
        with self._lock:
            found = {d: self._memory[(model, d)] for d in set(digests)
                     if (model, d) in self._memory}
        missing = sorted(set(digests) - set(found))
        if missing:
            found.update(self._load(model, missing, embedder.dimension))
        text_of = dict(zip(digests, texts, strict=True))
        to_embed = sorted(set(digests) - set(found))
        if to_embed:
            computed = embedder.encode_queries([text_of[d] for d in to_embed])
            fresh = dict(zip(to_embed, computed, strict=True))
            found.update(fresh)
            self._store(model, fresh)
        with self._lock:
            if len(self._memory) + len(found) > self._max_memory:
                self._memory.clear()
            for digest, vector in found.items():
                self._memory[(model, digest)] = vector
        return np.stack([found[d] for d in digests]).astype(np.float32)

    def _load(self, model: str, digests: list[str], dimension: int) -> dict[str, np.ndarray]:
        loaded: dict[str, np.ndarray] = {}
        try:
            with self._sessions() as session:
                for start in range(0, len(digests), _BATCH):
                    rows = session.execute(select(ProblemVector.text_sha256, ProblemVector.vector)
                                           .where(ProblemVector.model == model,
                                                  ProblemVector.text_sha256.in_(
                                                      digests[start:start + _BATCH])))
                    for digest, blob in rows:
                        vector = np.frombuffer(blob, dtype=np.float32)
                        if vector.shape == (dimension,):
                            loaded[digest] = vector
        except SQLAlchemyError:
            log.exception("could not read cached problem vectors; embedding again")
        return loaded

    def _store(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        try:
            with self._sessions.begin() as session:
                session.add_all(ProblemVector(text_sha256=digest, model=model,
                                              vector=np.asarray(vector, np.float32).tobytes())
                                for digest, vector in vectors.items())
        except IntegrityError:
            pass  # another process stored the same texts meanwhile: same vectors
        except SQLAlchemyError:
            log.exception("could not cache problem vectors")
