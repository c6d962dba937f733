"""Build the hybrid index for a knowledge base."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from knowledge.corpus import KnowledgeBase
from knowledge.models import Chunk
from retrieval.embedder import Embedder
from retrieval.errors import RetrievalError
from retrieval.index import HybridIndex
from retrieval.manifest import IndexManifest
from retrieval.store import IndexStore
from retrieval.tokenizer import ChineseTokenizer
from retrieval.units import IndexUnit, UnitKind

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
"""Called with (texts embedded so far, texts to embed) while a build embeds."""
PROGRESS_BATCH = 64


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did."""

    built: bool
    manifest: IndexManifest
    seconds: float
    reason: str


def units_for(chunks: Iterable[Chunk]) -> list[IndexUnit]:
    """Index units of chunks: each body, and each FAQ question or clause sentence."""
    units: list[IndexUnit] = []
    for chunk in chunks:
        units.append(IndexUnit(chunk.id, chunk.text, UnitKind.BODY))
        kind = UnitKind.QUESTION if chunk.answer is not None else UnitKind.SENTENCE
        units.extend(IndexUnit(chunk.id, text, kind) for text in chunk.search_texts)
    return units


def tokenizer_for(knowledge: KnowledgeBase) -> ChineseTokenizer:
    """The keyword tokenizer with the knowledge base's vocabulary and synonyms."""
    return ChineseTokenizer(knowledge.vocabulary(), knowledge.synonyms)


def _reusable_vectors(store: IndexStore, embedder: Embedder) -> dict[str, np.ndarray]:
    """Text → vector from the current build, when it was made with the same model."""
    manifest = store.current_manifest()
    if manifest is None or manifest.model_fingerprint != embedder.fingerprint:
        return {}
    try:
        previous = store.load_current()
    except RetrievalError:
        return {}
    vectors = previous.dense.reconstruct_n(0, previous.dense.ntotal)
    return {unit.text: vectors[i] for i, unit in enumerate(previous.units)}


def embed_texts(texts: list[str], embedder: Embedder, known: dict[str, np.ndarray],
                show_progress: bool, progress: Progress | None = None) -> np.ndarray:
    """Vectors for texts, embedding only those not already known."""
    missing = list(dict.fromkeys(text for text in texts if text not in known))
    if progress is None:
        fresh = embedder.encode_passages(missing, show_progress=show_progress)
    else:
        progress(0, len(missing))
        batches = []
        for start in range(0, len(missing), PROGRESS_BATCH):
            batches.append(embedder.encode_passages(missing[start:start + PROGRESS_BATCH]))
            progress(min(start + PROGRESS_BATCH, len(missing)), len(missing))
        fresh = np.concatenate(batches) if batches else \
            np.zeros((0, embedder.dimension), dtype=np.float32)
    lookup = {**known, **dict(zip(missing, fresh, strict=True))}
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([lookup[text] for text in texts]).astype(np.float32)


def build_from_units(units: list[IndexUnit], embedder: Embedder, tokenizer: ChineseTokenizer,
                     document_versions: dict[str, str], show_progress: bool = True,
                     known_vectors: dict[str, np.ndarray] | None = None,
                     progress: Progress | None = None) -> HybridIndex:
    """Embed (what is not known yet) and tokenise units into a new in-memory index."""
    texts = [unit.text for unit in units]
    vectors = embed_texts(texts, embedder, known_vectors or {}, show_progress, progress)
    tokens = [tokenizer.tokenize(text, expand=False)
              for text in tqdm(texts, desc="Tokenising", disable=not show_progress, unit="unit")]
    manifest = IndexManifest(
        model=embedder.model_name_or_path, model_fingerprint=embedder.fingerprint,
        dimension=embedder.dimension, tokenizer_fingerprint=tokenizer.fingerprint,
        document_versions=document_versions, units=len(units),
        chunks=len({unit.chunk_id for unit in units}),
    )
    return HybridIndex.create(units, vectors, tokens, manifest, show_progress=show_progress)


def build_index(knowledge: KnowledgeBase, embedder: Embedder, store: IndexStore,
                force: bool = False, show_progress: bool = True,
                progress: Progress | None = None) -> BuildReport:
    """Build and publish the index unless the current one already fits the knowledge base.

    Vectors of texts the current build has are reused unless its model fingerprint differs
    (then everything is embedded again); ``progress`` hears how the embedding goes."""
    started = time.perf_counter()
    tokenizer = tokenizer_for(knowledge)
    versions = knowledge.versions()
    current = store.current_manifest()
    if current is not None and not force:
        reasons = current.mismatches(model_fingerprint=embedder.fingerprint,
                                     tokenizer_fingerprint=tokenizer.fingerprint,
                                     document_versions=versions)
        if not reasons:
            return BuildReport(False, current, time.perf_counter() - started, "up to date")
        reason = "; ".join(reasons)
    else:
        reason = "forced" if current is not None else "no index yet"
    known = {} if force else _reusable_vectors(store, embedder)
    index = build_from_units(units_for(knowledge.chunks()), embedder, tokenizer, versions,
                             show_progress=show_progress, known_vectors=known,
                             progress=progress)
    store.publish(index)
    return BuildReport(True, index.manifest, time.perf_counter() - started, reason)
