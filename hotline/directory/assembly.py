"""From saved data to the running objects: the LiaisonDirectory (with its gazetteer) and a
KnowledgeBase that uses it (its directory document rebuilt to match)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from knowledge.corpus import ANNEX_TITLE, KnowledgeBase
from knowledge.directory import LiaisonDirectory
from knowledge.gazetteer import Gazetteer
from knowledge.loaders import directory_document

DirectoryData = dict[str, Any]  # {"directory": <directory.yml>, "gazetteer": <gazetteer.yml>}


def build_directory(data: DirectoryData) -> LiaisonDirectory:
    """The directory of one saved version (raises DirectoryError / GazetteerError)."""
    gazetteer = Gazetteer.from_data(data.get("gazetteer") or {}, where="gazetteer")
    return LiaisonDirectory.from_data(data["directory"], gazetteer, where="directory")


def with_directory(knowledge: KnowledgeBase, directory: LiaisonDirectory) -> KnowledgeBase:
    """``knowledge`` with another directory: the directory document and the vocabulary
    follow it (so a re-index picks up the change)."""
    documents = [directory_document(directory, title=doc.title or ANNEX_TITLE)
                 if doc.id == "directory" else doc for doc in knowledge.documents]
    return replace(knowledge, documents=documents, directory=directory)


def nlu_fingerprint(directory: LiaisonDirectory) -> str:
    """A hash of what Rasa's generated NLU data and jieba dictionary are made of: every
    district with its aliases and resolved place names, in order."""
    names = [[liaison.district, *liaison.names] for liaison in directory.liaisons]
    return hashlib.sha256(json.dumps(names, ensure_ascii=False).encode()).hexdigest()


def data_hash(data: DirectoryData) -> str:
    """A stable hash of a version's data (to tell whether a seed changed)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()

