"""The served knowledge base: the library's published documents + the file-based rest.

:func:`knowledge_from_library` takes the file tables (directory, referrals, dictionary)
from ``knowledge/data``; :func:`knowledge_from_database`, what the app serves, replaces
their directory with the directory editor's latest saved version (hotline/directory).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from hotline.directory.store import saved_directory
from hotline.library.service import Library
from knowledge.corpus import FileTables, KnowledgeBase, assemble_knowledge_base, load_file_tables


def knowledge_from_library(library: Library, data_dir: Path, tables: FileTables | None = None,
                           on: date | None = None) -> KnowledgeBase:
    """Published, unexpired documents from the database; synonyms from the database (the
    file's until the library has any); directory, referrals and dictionary from files."""
    tables = tables or load_file_tables(data_dir)
    synonyms = library.synonyms() or None
    return assemble_knowledge_base(library.published_documents(on), tables, synonyms)


def knowledge_from_database(library: Library, sessions: sessionmaker[Session], data_dir: Path,
                            tables: FileTables | None = None) -> KnowledgeBase:
    """What the app serves: the library's published documents and the directory's latest
    saved version (the directory file until the editor saved one)."""
    tables = tables or load_file_tables(data_dir)
    saved = saved_directory(sessions)
    if saved is None:
        return knowledge_from_library(library, data_dir, tables)
    directory, revision = saved
    knowledge = knowledge_from_library(library, data_dir, replace(tables, directory=directory))
    return replace(knowledge, directory_revision=revision)
