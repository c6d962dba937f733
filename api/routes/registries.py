"""The registries for admins (``/api/admin/registries/…``): the import format, an upload
that becomes a preview version (counts, first rows, rejected rows with reasons), its
activation (it replaces the registry's active version), and the versions."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.schemas import MAX_DB_ID
from hotline.registries.formats import FORMATS
from hotline.registries.reading import ENCODINGS, MAX_FILE_BYTES, UnreadableFile
from hotline.registries.rows import Record, RegistryInvalid
from hotline.registries.store import NotActivatable, Preview, RegistryStore, UnknownVersion
from hotline.security.accounts import StaffMember

PREFIX = "/api/admin/registries"
UPLOAD_PATH = f"{PREFIX}/imports"
router = APIRouter(prefix=PREFIX, tags=["admin", "registries"])
Reader = Annotated[StaffMember, Depends(require("registry.read"))]
Editor = Annotated[StaffMember, Depends(require("registry.edit"))]
VersionId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
Kind = Literal["hightech", "incubator", "commissioner"]
T = TypeVar("T")


class ImportBody(BaseModel):
    """A registry file (.csv or .xlsx) as base64, where it was published and when."""

    kind: Kind
    filename: str = Field(min_length=1, max_length=200, examples=["2024年高新技术企业名单.xlsx"])
    content_base64: str = Field(min_length=1, max_length=11_500_000)
    source: str = Field(min_length=1, max_length=300,
                        examples=["湖北省科学技术厅 2024 年第一批高新技术企业名单"])
    published_on: date


def _row(record: Record) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value
            for key, value in record.items()}


def _preview(preview: Preview) -> dict[str, Any]:
    return {"version": preview.version.as_dict(), "rows": [_row(r) for r in preview.rows],
            "rejected": [asdict(r) for r in preview.rejected]}


async def _call(func: Callable[[], T]) -> T:
    """Run a store call in the thread pool, mapping its errors to 404 / 409 / 422."""
    try:
        return await run_in_threadpool(func)
    except UnknownVersion:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个版本 / no such version") from None
    except NotActivatable as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except RegistryInvalid as exc:
        raise HTTPException(422, "没有导入：" + "；".join(exc.messages)) from exc
    except UnreadableFile as exc:
        raise HTTPException(422, f"没有导入：{exc}") from exc


@router.get("/format")
async def read_format(member: Reader) -> dict[str, Any]:
    """The import format: each registry's Chinese column headers, required or not."""
    return {"data": [{"kind": fmt.kind.value, "label": fmt.label, "official": fmt.official,
                      "columns": [{"header": c.header, "field": c.field, "required": c.required,
                                   "note": c.note, "also_accepted": list(c.aliases)}
                                  for c in fmt.columns]}
                     for fmt in FORMATS.values()],
            "file_types": [".csv", ".xlsx"], "encodings": ["UTF-8", "UTF-8 with BOM", "GBK"],
            "csv_encodings_tried": list(ENCODINGS), "max_file_bytes": MAX_FILE_BYTES,
            "comments": "表头之前以 # 开头的行是注释；注释含“生成的测试数据”则该版本标记为测试数据"}


@router.get("/versions")
async def read_versions(runtime: RuntimeDep, member: Reader,
                        kind: Annotated[Kind | None, Query()] = None,
                        limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    """The imported versions, newest first (status preview / active / replaced)."""
    versions = await _call(lambda: RegistryStore(runtime.sessions).versions(kind, limit))
    return {"data": [v.as_dict() for v in versions], "count": len(versions)}


@router.get("/versions/{version_id}")
async def read_version(version_id: VersionId, runtime: RuntimeDep,
                       member: Reader) -> dict[str, Any]:
    """A version's counts, first rows and rejected rows."""
    return _preview(await _call(lambda: RegistryStore(runtime.sessions).preview(version_id)))


@router.post("/imports", status_code=status.HTTP_201_CREATED)
async def create_import(body: ImportBody, runtime: RuntimeDep, member: Editor) -> dict[str, Any]:
    """Import a file as a preview version (it answers nothing until activated)."""
    try:
        data = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(422, "文件内容不是有效的 base64 / invalid base64") from None
    directory = runtime.knowledge.directory  # districts normalised to its units
    return _preview(await _call(lambda: RegistryStore(runtime.sessions).import_file(
        body.kind, body.filename, data, body.source, body.published_on, member.name,
        directory)))


@router.post("/versions/{version_id}/activate")
async def activate_version(version_id: VersionId, runtime: RuntimeDep,
                           member: Editor) -> dict[str, Any]:
    """Make a version the one the assistant answers from (the previous one is replaced)."""
    version = await _call(lambda: RegistryStore(runtime.sessions).activate(version_id,
                                                                          member.name))
    return {"version": version.as_dict()}
