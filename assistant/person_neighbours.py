"""Requests for a person in words the direct path's rules do not know, by nearest examples.

Rasa's NLU learns ``request_human`` from the examples in ``bot/data/nlu``; the direct
(degraded) path had only keyword rules (assistant/intent_rules.py), which recognised fewer
than half of the unseen phrasings. Here every NLU example of every intent is embedded once
with the app's own e5 model (``make setup`` caches the vectors beside the index); a message
is a request for a person when the cosine-weighted share of ``request_human`` among its
``K`` nearest examples reaches ``SHARE``. On the dev set this alone finds 24 of 31 requests
and calls none of 315 in-scope or 11 "人工智能 …" questions one; the direct path uses it only
after its rules, and only for a message the knowledge base does not answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from knowledge.text import normalize_text
from retrieval.embedder import Embedder

log = logging.getLogger(__name__)

PERSON_INTENT = "request_human"
K = 7
SHARE = 0.6  # chosen on dev (k 5/7/11 × share 0.5/0.6/0.7): no false requests there
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")  # [光谷](district) → 光谷

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class Example:
    """One NLU training example, as plain text."""

    text: str
    intent: str


def load_nlu_examples(nlu_dir: Path) -> list[Example]:
    """Every intent example of the Rasa NLU files (the generated district lists excepted:
    bare place names say nothing about asking for a person)."""
    examples = []
    for path in sorted(nlu_dir.glob("*.yml")):
        if path.name.startswith("generated"):
            continue
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in item:
                continue
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = normalize_text(_ANNOTATION.sub(r"\1", line[2:]))
                    if text:
                        examples.append(Example(text, str(item["intent"])))
    return examples


def fingerprint(examples: Sequence[Example], model_fingerprint: str) -> str:
    """What the vectors depend on: the examples and the model."""
    digest = hashlib.sha256(model_fingerprint.encode())
    digest.update(json.dumps([(e.text, e.intent) for e in examples], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def cached_vectors(examples: Sequence[Example], model_fingerprint: str, cache_dir: Path,
                   encode: Encode | None) -> np.ndarray | None:
    """The examples' vectors from ``cache_dir``; encoded (and cached) when ``encode`` is
    given, else None when not cached yet."""
    path = cache_dir / f"person-examples-{fingerprint(examples, model_fingerprint)}.npy"
    if path.exists():
        return np.asarray(np.load(path), dtype=np.float32)
    if encode is None:
        return None
    vectors = np.asarray(encode([e.text for e in examples]), dtype=np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=cache_dir, suffix=".npy")
    with os.fdopen(handle, "wb") as file:
        np.save(file, vectors)
    os.replace(temporary, path)  # whole or not at all, also with several processes
    return vectors


class PersonNeighbours:
    """Nearest NLU examples of a message: does it ask for a person?"""

    def __init__(self, examples: Sequence[Example], vectors: np.ndarray, encode: Encode,
                 k: int = K, share: float = SHARE) -> None:
        if len(examples) != len(vectors):
            raise ValueError(f"{len(examples)} examples but {len(vectors)} vectors")
        self._person = np.array([e.intent == PERSON_INTENT for e in examples])
        self._vectors = vectors
        self._encode = encode
        self.k = min(k, len(examples))
        self.share = share

    def person_share(self, text: str) -> float:
        """Cosine-weighted share of request_human among the nearest examples."""
        normalized = normalize_text(text)
        if not normalized or self.k == 0:
            return 0.0
        similarities = self._vectors @ self._encode([normalized])[0]
        nearest = np.argpartition(-similarities, self.k - 1)[: self.k]
        weights = np.clip(similarities[nearest], 0.0, None)
        total = float(weights.sum())
        return float(weights[self._person[nearest]].sum()) / total if total else 0.0

    def asks_for_person(self, text: str) -> bool:
        """Whether the nearest examples mostly ask for a person."""
        return self.person_share(text) >= self.share


class PersonNeighbourhood:
    """Loads the person-request neighbours once: from the cache, or encoded in a thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: PersonNeighbours | None = None
        self._building: threading.Thread | None = None

    def get(self, nlu_dir: Path, cache_dir: Path, embedder: Embedder, wait: bool
            ) -> PersonNeighbours | None:
        """The neighbours, or None while they are being built."""
        with self._lock:
            if self._ready is None and self._building is None:
                examples = load_nlu_examples(nlu_dir)
                vectors = cached_vectors(examples, embedder.fingerprint, cache_dir, None)
                if vectors is not None:
                    self._ready = PersonNeighbours(examples, vectors, _one_by_one(embedder))
                else:
                    self._building = threading.Thread(
                        target=self._build, args=(examples, cache_dir, embedder),
                        name="person-examples", daemon=True)
                    self._building.start()
            building = self._building
        if wait and building is not None:
            building.join()
        return self._ready

    def _build(self, examples: list[Example], cache_dir: Path, embedder: Embedder) -> None:
        try:
            vectors = cached_vectors(examples, embedder.fingerprint, cache_dir,
                                     embedder.encode_queries)
            assert vectors is not None
            ready = PersonNeighbours(examples, vectors, _one_by_one(embedder))
        except Exception:  # rules only, as before; said once
            log.exception("person-request examples could not be encoded")
            return
        with self._lock:
            self._ready = ready


def _one_by_one(embedder: Embedder) -> Encode:
    """Messages embedded through the embedder's cache of recent queries: the search of the
    same turn has usually just embedded the same text."""
    return lambda texts: np.stack([embedder.encode_query(text) for text in texts])
