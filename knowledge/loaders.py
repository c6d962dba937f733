"""Turn files under the knowledge data folder into :class:`Document` objects."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge.chunking import split_by_structure, split_sentences
from knowledge.directory import LiaisonDirectory
from knowledge.models import Chunk, DocKind, Document
from knowledge.notice_parser import parse_notice
from knowledge.readers import READABLE_SUFFIXES, read_text


class KnowledgeDataError(ValueError):
    """A knowledge data file is missing a field or has a wrong value."""


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeDataError(f"{path}: invalid YAML ({exc})") from exc


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise KnowledgeDataError(f"{where}: not an ISO date: {value!r}") from exc


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    value = data.get(key)
    if value in (None, ""):
        raise KnowledgeDataError(f"{where}: missing field {key!r}")
    return value


def _meta_for(path: Path) -> dict[str, Any]:
    meta_path = path.with_name(path.stem + ".meta.yml")
    if not meta_path.exists():
        raise KnowledgeDataError(f"{path}: provenance file {meta_path.name} is missing")
    meta = _load_yaml(meta_path)
    if not isinstance(meta, dict):
        raise KnowledgeDataError(f"{meta_path}: expected a mapping")
    return meta


def load_notice(path: Path) -> Document:
    """A bureau notice: preamble plus one chunk per numbered clause."""
    meta = _meta_for(path)
    notice = parse_notice(read_text(path))
    doc_id = _require(meta, "id", str(path))
    chunks = [Chunk(id=f"{doc_id}#preamble", doc_id=doc_id, section="通知导语",
                    text=notice.preamble)]
    for clause in notice.clauses:
        sentences = split_sentences(clause.text.removeprefix(clause.label))
        chunks.append(Chunk(
            id=f"{doc_id}#{clause.number}", doc_id=doc_id, section=clause.section,
            label=clause.label, text=clause.text,
            search_texts=tuple(f"{clause.title}：{s}" for s in sentences[1:]),
        ))
    return Document(
        id=doc_id, kind=DocKind.NOTICE, title=meta.get("title", notice.title),
        issuer=meta.get("issuer", notice.issuer), source=_require(meta, "source", str(path)),
        doc_number=meta.get("doc_number", notice.doc_number),
        effective_date=_date(meta.get("effective_date"), str(path)),
        expiry_date=_date(meta.get("expiry_date"), str(path)), chunks=tuple(chunks),
    )


def load_policy(path: Path) -> Document:
    """Any other published text (txt, md, docx, pdf) with a ``.meta.yml`` beside it."""
    meta = _meta_for(path)
    where = str(path)
    doc_id = _require(meta, "id", where)
    pieces = split_by_structure(read_text(path))
    if not pieces:
        raise KnowledgeDataError(f"{path}: no text")
    chunks = tuple(
        Chunk(id=f"{doc_id}#{n}", doc_id=doc_id, section=piece.section, label=piece.label,
              text=piece.text)
        for n, piece in enumerate(pieces, start=1)
    )
    return Document(
        id=doc_id, kind=DocKind(meta.get("kind", "policy")), title=_require(meta, "title", where),
        issuer=_require(meta, "issuer", where), source=_require(meta, "source", where),
        doc_number=meta.get("doc_number"), effective_date=_date(meta.get("effective_date"), where),
        expiry_date=_date(meta.get("expiry_date"), where), chunks=chunks,
    )


def load_guide(path: Path) -> Document:
    """A service-item guide (办事指南): one chunk per section (conditions, materials …)."""
    data = _load_yaml(path)
    where = str(path)
    doc_id = _require(data, "id", where)
    item = _require(data, "service_item", where)
    chunks = []
    for n, section in enumerate(_require(data, "sections", where), start=1):
        name = _require(section, "name", f"{where} section {n}")
        text = str(_require(section, "text", f"{where} section {n}")).strip()
        clause = section.get("clause")
        chunks.append(Chunk(
            id=f"{doc_id}#{n}", doc_id=doc_id,
            section=f"{name}（{clause}）" if clause else name, label=clause,
            text=f"{item}·{name}：{text}",
            search_texts=tuple(f"{alias}{name}" for alias in data.get("aliases") or ()),
        ))
    return Document(
        id=doc_id, kind=DocKind.GUIDE, title=_require(data, "title", where),
        issuer=_require(data, "issuer", where), source=_require(data, "source", where),
        doc_number=data.get("doc_number"), effective_date=_date(data.get("effective_date"), where),
        expiry_date=_date(data.get("expiry_date"), where), chunks=tuple(chunks),
    )


def _faq_items(path: Path) -> list[dict[str, Any]]:
    """FAQ rows from YAML (``items:``) or CSV (paraphrases separated by |)."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            row["paraphrases"] = [p.strip() for p in (row.get("paraphrases") or "").split("|")
                                  if p.strip()]
        return rows
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeDataError(f"{path}: expected a mapping with items")
    items = _require(data, "items", str(path))
    if not isinstance(items, list):
        raise KnowledgeDataError(f"{path}: items must be a list")
    return items


def load_faqs(path: Path) -> list[Document]:
    """FAQ pairs (YAML or CSV): each is answered verbatim and cites the rule it rests on."""
    where = str(path)
    documents = []
    for n, item in enumerate(_faq_items(path), start=1):
        item_where = f"{where} item {n}"
        doc_id = _require(item, "id", item_where)
        question = str(_require(item, "question", item_where)).strip()
        answer = str(_require(item, "answer", item_where)).strip()
        paraphrases = tuple(str(p).strip() for p in item.get("paraphrases") or ())
        chunk = Chunk(
            id=f"{doc_id}#1", doc_id=doc_id, section=item.get("section") or question,
            label=item.get("section"), text=f"{question}\n{answer}", answer=answer,
            search_texts=(question, *paraphrases),
        )
        documents.append(Document(
            id=doc_id, kind=DocKind.FAQ, title=_require(item, "title", item_where),
            issuer=_require(item, "issuer", item_where), source=_require(item, "source", item_where),
            doc_number=item.get("doc_number"),
            effective_date=_date(item.get("effective_date"), item_where),
            expiry_date=_date(item.get("expiry_date"), item_where), chunks=(chunk,),
        ))
    return documents


def directory_document(directory: LiaisonDirectory, title: str) -> Document:
    """The liaison directory as a citable document: one chunk per district."""
    source = directory.source
    chunks = tuple(
        Chunk(
            id=f"directory#{n}", doc_id="directory", section=source.section,
            text=(f"{liaison.district}（{'、'.join(liaison.aliases)}）包区服务：责任领导"
                  f"{liaison.leader}（{liaison.leader_title}），责任部门{liaison.department}，"
                  f"联系人{liaison.contact}。"),
        )
        for n, liaison in enumerate(directory.liaisons, start=1)
    )
    return Document(id="directory", kind=DocKind.DIRECTORY, title=title, issuer="武汉市科学技术局",
                    source=f"{source.doc_number} 附件", doc_number=source.doc_number,
                    chunks=chunks)


def policy_files(folder: Path) -> list[Path]:
    """Readable document files in a folder (their .meta.yml sidecars excluded)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in READABLE_SUFFIXES and not p.name.endswith(".meta.yml"))
