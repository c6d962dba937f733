"""The seed import: ``knowledge/data`` files → the library (``python -m api.manage
import-knowledge``, run by ``make setup``; idempotent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hotline.library.service import Library
from knowledge.corpus import load_file_tables, load_seed_documents


def import_seed(library: Library, data_dir: Path) -> dict[str, int]:
    """Import every seed document (see :meth:`Library.import_seed_document`) and, the first
    time, the seed synonyms. Returns counts: added, updated, unchanged, kept, synonyms."""
    counts: Counter[str] = Counter()
    first = library.count() == 0
    for document in load_seed_documents(data_dir):
        counts[library.import_seed_document(document)] += 1
    counts["synonyms"] = library.seed_synonyms(load_file_tables(data_dir).synonyms) if first \
        else 0
    return {key: counts.get(key, 0) for key in ("added", "updated", "unchanged", "kept",
                                                "synonyms")}
