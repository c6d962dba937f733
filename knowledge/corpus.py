"""The whole knowledge base, loaded from one data folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from knowledge.directory import DirectorySource, LiaisonDirectory
from knowledge.loaders import (
    KnowledgeDataError,
    directory_document,
    load_faqs,
    load_guide,
    load_notice,
    load_policy,
    policy_files,
)
from knowledge.models import Chunk, Document
from knowledge.referrals import Referral, load_referrals

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
ANNEX_TITLE = "以创新主体需求为导向持续优化科技领域营商环境包区服务责任分工表"
ANNEX_SECTION = f"附件：{ANNEX_TITLE}"


@dataclass
class KnowledgeBase:
    """Documents, the liaison directory, referrals and the vocabulary for tokenising."""

    documents: list[Document]
    directory: LiaisonDirectory
    referrals: list[Referral] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    dictionary_terms: list[str] = field(default_factory=list)
    # which saved version of the directory this was assembled with (None: the files')
    directory_revision: int | None = None

    def __post_init__(self) -> None:
        ids = [doc.id for doc in self.documents]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise KnowledgeDataError(f"duplicate document ids: {duplicates}")
        self._documents = {doc.id: doc for doc in self.documents}
        self._chunks = {chunk.id: chunk for doc in self.documents for chunk in doc.chunks}

    def document(self, doc_id: str) -> Document:
        """A document by id (KeyError if unknown)."""
        return self._documents[doc_id]

    def chunk(self, chunk_id: str) -> Chunk:
        """A chunk by id (KeyError if unknown)."""
        return self._chunks[chunk_id]

    def chunks(self, on: date | None = None) -> list[Chunk]:
        """Every chunk of every document in force (on a given day, today by default)."""
        day = on or date.today()
        return [chunk for doc in self.documents if doc.is_in_force(day) for chunk in doc.chunks]

    def versions(self) -> dict[str, str]:
        """Document id → content version, for index manifests."""
        return {doc.id: doc.version for doc in self.documents}

    def vocabulary(self) -> list[str]:
        """Words the tokenizer must keep whole: domain terms, district names and aliases."""
        words = [*self.dictionary_terms, *self.directory.all_names(), *self.synonyms]
        return list(dict.fromkeys(words))


def _read_dictionary(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


def _load_directory(data_dir: Path) -> LiaisonDirectory:
    """directory.yml, or directory.csv with the notice annex as its source."""
    if (data_dir / "directory.yml").exists():
        return LiaisonDirectory.from_yaml(data_dir / "directory.yml")
    if (data_dir / "directory.csv").exists():
        source = DirectorySource("notice-wukehan-2021-10", "武科函〔2021〕10号", ANNEX_SECTION)
        return LiaisonDirectory.from_csv(data_dir / "directory.csv", source)
    raise KnowledgeDataError(f"{data_dir}: no directory.yml or directory.csv")


@dataclass(frozen=True)
class FileTables:
    """What stays in files for now: the directory (and its citable document), referrals,
    the seed synonyms and the jieba dictionary. Documents come from elsewhere (the database,
    see :func:`assemble_knowledge_base`) or from :func:`load_seed_documents`."""

    directory: LiaisonDirectory
    referrals: list[Referral]
    synonyms: dict[str, str]
    dictionary_terms: list[str]


def load_file_tables(data_dir: Path = DEFAULT_DATA_DIR) -> FileTables:
    """The directory, referrals, synonyms and dictionary under ``data_dir``."""
    if not data_dir.is_dir():
        raise KnowledgeDataError(f"knowledge data folder not found: {data_dir}")
    synonyms_path = data_dir / "synonyms.yml"
    synonyms = yaml.safe_load(synonyms_path.read_text(encoding="utf-8")) if synonyms_path.exists() \
        else {}
    return FileTables(
        directory=_load_directory(data_dir),
        referrals=load_referrals(data_dir / "referrals.yml"),
        synonyms={str(k): str(v) for k, v in (synonyms or {}).items()},
        dictionary_terms=_read_dictionary(data_dir / "dictionary.txt"),
    )


def load_seed_documents(data_dir: Path = DEFAULT_DATA_DIR) -> list[Document]:
    """Every document file under ``data_dir`` (the directory's document excluded), in order."""
    if not data_dir.is_dir():
        raise KnowledgeDataError(f"knowledge data folder not found: {data_dir}")
    documents: list[Document] = [load_notice(path) for path in policy_files(data_dir / "notice")]
    documents.extend(load_policy(path) for path in policy_files(data_dir / "policies"))
    documents.extend(load_guide(path) for path in sorted((data_dir / "guides").glob("*.yml")))
    faq_files = [*(data_dir / "faq").glob("*.yml"), *(data_dir / "faq").glob("*.csv")]
    for path in sorted(faq_files):
        documents.extend(load_faqs(path))
    return documents


def assemble_knowledge_base(documents: list[Document], tables: FileTables,
                            synonyms: dict[str, str] | None = None) -> KnowledgeBase:
    """The knowledge base of ``documents`` plus the file-based rest (the directory's
    document appended last); ``synonyms`` replace the file's when given."""
    return KnowledgeBase(
        documents=[*documents, directory_document(tables.directory, title=ANNEX_TITLE)],
        directory=tables.directory, referrals=list(tables.referrals),
        synonyms=dict(tables.synonyms if synonyms is None else synonyms),
        dictionary_terms=list(tables.dictionary_terms),
    )


def load_knowledge_base(data_dir: Path = DEFAULT_DATA_DIR) -> KnowledgeBase:
    """Load every document and table under ``data_dir``.

    Layout: ``notice/*.txt`` and ``policies/*`` (each with a ``.meta.yml``),
    ``guides/*.yml``, ``faq/*.yml|csv``, ``directory.yml`` (or ``.csv``), ``referrals.yml``,
    ``synonyms.yml`` and the jieba ``dictionary.txt``. (The app serves the documents from
    the database, seeded from these files: :mod:`hotline.library`.)
    """
    tables = load_file_tables(data_dir)
    return assemble_knowledge_base(load_seed_documents(data_dir), tables)
