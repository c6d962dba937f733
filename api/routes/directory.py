"""The directory editor's API (``/api/admin/directory/…``): districts and places of the
saved directory version, its history and audit trail, and the Rasa retrain jobs.

Every save is a new version (hotline/directory/store.py), applied at once in this process
and within seconds in the others; the index is rebuilt in the background. A change that
alters Rasa's generated data says ``retrain_needed``; ``POST …/retrain`` (admins) trains,
tests and hot-swaps a new model (api/dialogue/retrain.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import RuntimeDep
from api.dialogue.retrain import JobRunning, retrainer
from api.runtime import Runtime
from api.schemas import MAX_DB_ID
from hotline.directory import edits
from hotline.directory.store import Change, DirectoryStore, SavedVersion, VersionConflict
from hotline.directory.training import TrainingJob, TrainingJobs
from hotline.directory.validation import DirectoryInvalid
from hotline.security.accounts import StaffMember
from knowledge.gazetteer import PLACE_KINDS

router = APIRouter(prefix="/api/admin/directory", tags=["directory"])
Reader = Annotated[StaffMember, Depends(require("directory.read"))]
Editor = Annotated[StaffMember, Depends(require("directory.edit"))]
Trainer = Annotated[StaffMember, Depends(require("rasa.train"))]
EntryName = Annotated[str, Path(min_length=1, max_length=64)]
# a version's etag (GET …/directory: version.etag): changes name the version they were
# made on, and a stale one is a 409
VersionTag = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", min_length=64, max_length=64)]
Names = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=60)]
KIND_LABELS = {"district": "行政区", "zone": "开发区/园区", "park": "园区/公园", "campus": "校园",
               "station": "车站", "airport": "机场", "port": "港口", "commercial": "商圈",
               "landmark": "地标", "lake": "湖泊", "industrial": "工业区", "road": "道路"}


class Edit(BaseModel):
    """What every change carries: the version it was made on, and a note for the history."""

    base_version: VersionTag
    note: str = Field(default="", max_length=200)


class DistrictEdit(Edit):
    """A district's editable fields (its name is the key and stays)."""

    full_name: str = Field(default="", max_length=100)
    leader: str = Field(max_length=100)
    leader_title: str = Field(max_length=100)
    department: str = Field(max_length=100)
    contact: str = Field(max_length=100)
    phone: str = Field(default="", max_length=40)
    aliases: Names = []


class PlaceEdit(Edit):
    """A curated place of the gazetteer."""

    name: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    unit: str = Field(max_length=64, description="the district (annex unit) that serves it")
    aliases: Names = []
    english: Names = []
    note: str = Field(default="", max_length=200)


def _version(saved: SavedVersion) -> dict[str, Any]:
    return {"id": saved.id, "created_at": saved.created_at.isoformat(), "author": saved.author,
            "note": saved.note, "seeded": saved.seeded, "etag": saved.etag}


def _job(job: TrainingJob | None) -> dict[str, Any] | None:
    if job is None:
        return None
    shown = asdict(job)
    for key in ("created_at", "finished_at"):
        shown[key] = shown[key].isoformat() if shown[key] else None
    return shown


def _latest(runtime: Runtime) -> SavedVersion:
    """The latest version; the seed files are imported first when there is none."""
    store = DirectoryStore(runtime.sessions)
    saved = store.latest()
    if saved is None:
        folder = runtime.settings.KNOWLEDGE_DIR
        store.import_seed(folder / "directory.yml", folder / "gazetteer.yml")
        saved = store.latest()
    assert saved is not None
    return saved


def _status(runtime: Runtime, saved: SavedVersion) -> dict[str, Any]:
    served = TrainingJobs(runtime.sessions).served_fingerprint()
    recent = TrainingJobs(runtime.sessions).recent(1)
    index_jobs = runtime.index_jobs.jobs(1)  # the knowledge library's re-index jobs
    last = index_jobs[0] if index_jobs else None
    return {
        "retrain_needed": served is not None and served != saved.nlu_fingerprint,
        "reindex": {"busy": last is not None and last.state in ("queued", "embedding"),
                    "last_error": last.detail if last and last.state == "failed" else None,
                    "index_stale": not runtime.index_is_current()},
        "job": _job(recent[0] if recent else None),
    }


def _read(runtime: Runtime) -> dict[str, Any]:
    saved = _latest(runtime)
    directory = saved.data["directory"]
    places = saved.data.get("gazetteer", {}).get("places") or []
    return {"version": _version(saved),
            "districts": [{key: row.get(key) for key in ("name", *edits.DISTRICT_FIELDS)}
                          for row in directory["districts"]],
            "places": [{key: row.get(key) for key in
                        ("name", "kind", "unit", "aliases", "english", "note", "source")}
                       for row in places],
            "kinds": [{"value": kind, "label": KIND_LABELS.get(kind, kind)}
                      for kind in sorted(PLACE_KINDS)],
            **_status(runtime, saved)}


def _save(runtime: Runtime, member: StaffMember, body: Edit, change: Any) -> dict[str, Any]:
    """Apply ``change`` (latest data → (new data, audit Change)) and store it."""
    saved = _latest(runtime)
    data, audit = change(saved.data)
    note = body.note.strip() or f"{audit.subject_id}：{audit.action.split('.')[-1]}"
    new = DirectoryStore(runtime.sessions).save(data, member.name, note, body.base_version, audit)
    # the directory document and the vocabulary follow the directory: every process swaps
    # to the new version with the build this job publishes (or at once if the index fits)
    runtime.request_reindex(f"名录版本 {new.id}", member.name)
    return {"version": _version(new), **_status(runtime, new)}


async def _run_save(runtime: Runtime, member: StaffMember, body: Edit, change: Any
                    ) -> dict[str, Any]:
    try:
        return await run_in_threadpool(_save, runtime, member, body, change)
    except DirectoryInvalid as exc:
        raise HTTPException(422,
                            "名录没有保存：" + "；".join(exc.messages)) from exc
    except VersionConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            "名录已被他人修改，请刷新后再改 / the directory changed meanwhile") from exc
    except edits.UnknownEntry as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有“{exc}” / not found") from exc
    except edits.DuplicateEntry as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"地点“{exc}”已存在") from exc


@router.get("")
async def read_directory(runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """The latest version: districts, curated places, retrain and re-index status."""
    return await run_in_threadpool(_read, runtime)


@router.get("/versions")
async def read_versions(runtime: RuntimeDep, member: Reader,
                        limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    """The saved versions, newest first (who, when, note)."""
    rows = await run_in_threadpool(DirectoryStore(runtime.sessions).history, limit)
    return {"data": rows, "count": len(rows)}


@router.get("/audit")
async def read_directory_audit(runtime: RuntimeDep, member: Reader,
                               limit: Annotated[int, Query(ge=1, le=500)] = 100
                               ) -> dict[str, Any]:
    """The directory's changes with before/after, newest first."""
    def entries() -> list[Any]:
        found = [*runtime.audit.entries("district", limit), *runtime.audit.entries("place", limit)]
        return sorted(found, key=lambda entry: entry.id, reverse=True)[:limit]

    rows = [{**asdict(entry), "at": entry.at.isoformat()}
            for entry in await run_in_threadpool(entries)]
    return {"data": rows, "count": len(rows)}


@router.put("/districts/{name}")
async def update_district(name: EntryName, body: DistrictEdit, runtime: RuntimeDep,
                          member: Editor) -> dict[str, Any]:
    """Change a district's leader, department, contact, phone or aliases."""
    fields = edits.DistrictFields(body.full_name, body.leader, body.leader_title,
                                  body.department, body.contact, body.phone, tuple(body.aliases))

    def change(data: dict[str, Any]) -> tuple[dict[str, Any], Change]:
        before = edits.district(data, name)
        changed = edits.update_district(data, name, fields)
        return changed, Change("directory.district", "district", name, before,
                               edits.district(changed, name))

    return await _run_save(runtime, member, body, change)


def _place_fields(body: PlaceEdit) -> edits.PlaceFields:
    return edits.PlaceFields(body.name, body.kind, body.unit, tuple(body.aliases),
                             tuple(body.english), body.note)


@router.post("/places", status_code=status.HTTP_201_CREATED)
async def create_place(body: PlaceEdit, runtime: RuntimeDep, member: Editor) -> dict[str, Any]:
    """Add a place (a park, campus, landmark …) that names a district."""
    def change(data: dict[str, Any]) -> tuple[dict[str, Any], Change]:
        changed = edits.save_place(data, None, _place_fields(body))
        return changed, Change("directory.place_add", "place", body.name.strip(), None,
                               edits.place(changed, body.name.strip()))

    return await _run_save(runtime, member, body, change)


@router.put("/places/{name}")
async def update_place(name: EntryName, body: PlaceEdit, runtime: RuntimeDep,
                       member: Editor) -> dict[str, Any]:
    """Change a place (its name, kind, district, aliases, English names)."""
    def change(data: dict[str, Any]) -> tuple[dict[str, Any], Change]:
        before = edits.place(data, name)
        changed = edits.save_place(data, name, _place_fields(body))
        return changed, Change("directory.place", "place", name, before,
                               edits.place(changed, body.name.strip()))

    return await _run_save(runtime, member, body, change)


@router.delete("/places/{name}")
async def delete_place(name: EntryName, runtime: RuntimeDep, member: Editor,
                       base_version: Annotated[str, Query(pattern=r"^[0-9a-f]{64}$",
                                                          min_length=64, max_length=64)],
                       note: Annotated[str, Query(max_length=200)] = "") -> dict[str, Any]:
    """Remove a curated place."""
    body = Edit(base_version=base_version, note=note)

    def change(data: dict[str, Any]) -> tuple[dict[str, Any], Change]:
        before = edits.place(data, name)
        return edits.delete_place(data, name), Change("directory.place_delete", "place", name,
                                                      before, None)

    return await _run_save(runtime, member, body, change)


@router.get("/retrain")
async def read_retrain_jobs(runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """The latest retrain jobs (status, step, error), newest first."""
    jobs = await run_in_threadpool(TrainingJobs(runtime.sessions).recent, 10)
    return {"data": [_job(job) for job in jobs], "count": len(jobs)}


@router.get("/retrain/{job_id}")
async def read_retrain_job(job_id: Annotated[int, Path(ge=1, le=MAX_DB_ID)],
                           runtime: RuntimeDep, member: Reader) -> dict[str, Any]:
    """One retrain job."""
    job = await run_in_threadpool(TrainingJobs(runtime.sessions).get, job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这个训练任务 / no such job")
    return _job(job) or {}


class RetrainRequest(BaseModel):
    """The version to train: the latest one, as the page shows it."""

    version: VersionTag


@router.post("/retrain", status_code=status.HTTP_202_ACCEPTED)
async def start_retrain(body: RetrainRequest, runtime: RuntimeDep,
                        member: Trainer) -> dict[str, Any]:
    """Train Rasa on the latest version in the background, test it, then hot-swap it."""
    try:
        latest = await run_in_threadpool(_latest, runtime)
        if latest.etag != body.version:
            raise HTTPException(status.HTTP_409_CONFLICT,
                                "名录已更新，请刷新后再训练 / the directory changed meanwhile")
        job = await run_in_threadpool(retrainer(runtime).start, member.name)
    except JobRunning as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, "已有训练任务在进行 / a retrain is running") \
            from exc
    return _job(job) or {}
