"""The served knowledge base: the library's published documents + the file-based rest.

The seam for the directory editor: :func:`knowledge_from_library` takes the file tables
(directory, referrals, dictionary) from ``knowledge/data`` today; when the directory moves
into the database, only the ``tables`` argument changes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hotline.library.service import Library
from knowledge.corpus import FileTables, KnowledgeBase, assemble_knowledge_base, load_file_tables


def knowledge_from_library(library: Library, data_dir: Path, tables: FileTables | None = None,
                           on: date | None = None) -> KnowledgeBase:
    """Published, unexpired documents from the database; synonyms from the database (the
    file's until the library has any); directory, referrals and dictionary from files."""
    tables = tables or load_file_tables(data_dir)
    synonyms = library.synonyms() or None
    return assemble_knowledge_base(library.published_documents(on), tables, synonyms)
