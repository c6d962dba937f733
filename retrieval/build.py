"""Build the hybrid index for a knowledge base."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from tqdm import tqdm

from knowledge.corpus import KnowledgeBase
from knowledge.models import Chunk
from retrieval.embedder import Embedder
from retrieval.index import HybridIndex
from retrieval.manifest import IndexManifest
from retrieval.store import IndexStore
from retrieval.tokenizer import ChineseTokenizer
from retrieval.units import IndexUnit, UnitKind

log = logging.getLogger(__name__)


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


def build_from_units(units: list[IndexUnit], embedder: Embedder, tokenizer: ChineseTokenizer,
                     document_versions: dict[str, str], show_progress: bool = True) -> HybridIndex:
    """Embed and tokenise units into a new in-memory index."""
    texts = [unit.text for unit in units]
    vectors = embedder.encode_passages(texts, show_progress=show_progress)
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
                force: bool = False, show_progress: bool = True) -> BuildReport:
    """Build and publish the index unless the current one already fits the knowledge base."""
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
    index = build_from_units(units_for(knowledge.chunks()), embedder, tokenizer, versions,
                             show_progress=show_progress)
    store.publish(index)
    return BuildReport(True, index.manifest, time.perf_counter() - started, reason)
