"""The directory's versions in a real (SQLite) database: seed import, saves, validation,
audit, and what Rasa's data depends on."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotline.audit.log import AuditLog
from hotline.db import init_schema, make_engine, make_session_factory
from hotline.directory import edits
from hotline.directory.assembly import build_directory
from hotline.directory.store import Change, DirectoryStore, VersionConflict
from hotline.directory.training import JobRunning, TrainingJobs
from hotline.directory.validation import DirectoryInvalid, validate
from knowledge.corpus import DEFAULT_DATA_DIR

DIRECTORY = DEFAULT_DATA_DIR / "directory.yml"
GAZETTEER = DEFAULT_DATA_DIR / "gazetteer.yml"


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'directory.sqlite3'}")
    init_schema(engine)
    return make_session_factory(engine)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> DirectoryStore:
    store = DirectoryStore(sessions)
    store.import_seed(DIRECTORY, GAZETTEER)
    return store


def _fields(row: dict, **changes: object) -> edits.DistrictFields:  # type: ignore[type-arg]
    values = {key: row.get(key) or "" for key in
              ("full_name", "leader", "leader_title", "department", "contact", "phone")}
    values["aliases"] = tuple(row.get("aliases") or ())
    values.update(changes)
    return edits.DistrictFields(**values)  # type: ignore[arg-type]


def _change(name: str) -> Change:
    return Change("directory.district", "district", name, {"name": name}, {"name": name})


def test_seed_import_is_idempotent(sessions: sessionmaker[Session]) -> None:
    store = DirectoryStore(sessions)
    assert store.import_seed(DIRECTORY, GAZETTEER)[0] == "imported"
    assert store.import_seed(DIRECTORY, GAZETTEER) == ("up to date", 1)
    assert [row["id"] for row in store.history()] == [1]
    saved = store.latest()
    assert saved is not None and saved.seeded and saved.author == "seed"
    # the imported version is the same directory as the files
    directory = build_directory(saved.data)
    assert directory.get("光谷") is not None and directory.get("光谷").district == "东湖高新区"  # type: ignore[union-attr]
    assert directory.get("关东街道").district == "东湖高新区"  # type: ignore[union-attr]


def test_seed_import_keeps_the_editors_versions(store: DirectoryStore) -> None:
    saved = store.latest()
    assert saved is not None
    row = edits.district(saved.data, "江岸区")
    data = edits.update_district(saved.data, "江岸区", _fields(row, contact="新联系人"))
    store.save(data, "编辑甲", "换联系人", saved.etag, _change("江岸区"))
    outcome, version = store.import_seed(DIRECTORY, GAZETTEER)
    assert outcome.startswith("kept") and version == 2
    assert store.import_seed(DIRECTORY, GAZETTEER, force=True)[0] == "imported"
    assert store.latest_id() == 3


def test_each_save_is_a_new_version_with_author_note_and_audit(
        store: DirectoryStore, sessions: sessionmaker[Session]) -> None:
    first = store.latest()
    assert first is not None
    row = edits.district(first.data, "江汉区")
    data = edits.update_district(first.data, "江汉区", _fields(
        row, aliases=(*row["aliases"], "星河数智园"), phone="027-8888 1234"))
    second = store.save(data, "编辑甲", "加别名", first.etag,
                        Change("directory.district", "district", "江汉区", row,
                               edits.district(data, "江汉区")))
    assert second.id == first.id + 1 and second.author == "编辑甲" and second.note == "加别名"
    assert build_directory(second.data).get("星河数智园").district == "江汉区"  # type: ignore[union-attr]
    assert build_directory(store.get(first.id).data).get("星河数智园") is None  # type: ignore[union-attr]
    assert second.nlu_fingerprint != first.nlu_fingerprint  # a new alias: Rasa must retrain
    entry = AuditLog(sessions).entries("district")[0]
    assert entry.actor == "编辑甲" and entry.subject_id == "江汉区"
    assert "星河数智园" not in entry.before["aliases"]  # type: ignore[index]
    assert "星河数智园" in entry.after["aliases"] and entry.after["version"] == second.id  # type: ignore[index]


def test_a_contact_change_needs_no_retrain(store: DirectoryStore) -> None:
    first = store.latest()
    assert first is not None
    data = edits.update_district(first.data, "硚口区",
                                 _fields(edits.district(first.data, "硚口区"), contact="王五"))
    second = store.save(data, "编辑甲", "", first.etag, _change("硚口区"))
    assert second.nlu_fingerprint == first.nlu_fingerprint
    assert build_directory(second.data).get("硚口区").contact == "王五"  # type: ignore[union-attr]


def test_a_stale_base_version_is_a_conflict(store: DirectoryStore) -> None:
    first = store.latest()
    assert first is not None
    store.save(first.data, "编辑甲", "", first.etag, _change("江岸区"))
    with pytest.raises(VersionConflict):
        store.save(first.data, "编辑乙", "", first.etag, _change("江岸区"))


def test_an_alias_claimed_by_two_districts_is_refused_in_chinese(store: DirectoryStore) -> None:
    saved = store.latest()
    assert saved is not None
    row = edits.district(saved.data, "江岸区")
    data = edits.update_district(saved.data, "江岸区", _fields(
        row, aliases=(*row["aliases"], "光谷")))
    with pytest.raises(DirectoryInvalid) as raised:
        store.save(data, "编辑甲", "", saved.etag, _change("江岸区"))
    assert any("光谷" in m and "东湖高新区" in m and "江岸区" in m for m in raised.value.messages)
    assert store.latest_id() == saved.id  # nothing saved


def test_a_place_of_an_unknown_district_and_empty_names_are_refused(store: DirectoryStore) -> None:
    saved = store.latest()
    assert saved is not None
    unknown = edits.save_place(saved.data, None, edits.PlaceFields("某某园", "park", "火星区"))
    with pytest.raises(DirectoryInvalid) as raised:
        validate(unknown)
    assert raised.value.messages == ["地点“某某园”所属的区“火星区”不在名录里"]
    empty = edits.save_place(saved.data, None, edits.PlaceFields(" ", "park", "江岸区"))
    with pytest.raises(DirectoryInvalid, match="地点名称不能为空"):
        validate(empty)
    row = edits.district(saved.data, "江岸区")
    blank_alias = edits.update_district(saved.data, "江岸区", _fields(row, aliases=("后湖", " ")))
    with pytest.raises(DirectoryInvalid, match="空的别名"):
        validate(blank_alias)
    no_leader = edits.update_district(saved.data, "江岸区", _fields(row, leader=""))
    with pytest.raises(DirectoryInvalid, match="江岸区的责任领导不能为空"):
        validate(no_leader)


def test_a_place_name_that_is_another_districts_alias_is_refused(store: DirectoryStore) -> None:
    saved = store.latest()
    assert saved is not None
    data = edits.save_place(saved.data, None, edits.PlaceFields("东湖自创区", "park", "江岸区"))
    with pytest.raises(DirectoryInvalid, match="已是东湖高新区的别名"):
        validate(data)


def test_places_are_added_changed_and_deleted(store: DirectoryStore) -> None:
    saved = store.latest()
    assert saved is not None
    added = edits.save_place(saved.data, None, edits.PlaceFields(
        "星河数智园", "park", "江夏区", aliases=("星河园",), english=("Xinghe Park",)))
    validate(added)
    directory = build_directory(added)
    assert directory.get("星河园").district == "江夏区"  # type: ignore[union-attr]
    assert directory.find_in_text("our company is in Xinghe Park").district == "江夏区"  # type: ignore[union-attr]
    with pytest.raises(edits.DuplicateEntry):
        edits.save_place(added, None, edits.PlaceFields("星河数智园", "park", "江夏区"))
    moved = edits.save_place(added, "星河数智园", edits.PlaceFields("星河数智园", "park", "蔡甸区"))
    assert build_directory(moved).get("星河园") is None  # the aliases were replaced
    assert build_directory(moved).get("星河数智园").district == "蔡甸区"  # type: ignore[union-attr]
    removed = edits.delete_place(moved, "星河数智园")
    assert build_directory(removed).get("星河数智园") is None
    with pytest.raises(edits.UnknownEntry):
        edits.delete_place(removed, "星河数智园")


def test_only_one_retrain_job_at_a_time(store: DirectoryStore,
                                        sessions: sessionmaker[Session]) -> None:
    jobs = TrainingJobs(sessions)
    saved = store.latest()
    assert saved is not None
    assert jobs.served_fingerprint() == saved.nlu_fingerprint  # the seed trained the model
    job = jobs.create(saved.id, saved.nlu_fingerprint, "管理员", stale_after=3600)
    with pytest.raises(JobRunning):
        jobs.create(saved.id, saved.nlu_fingerprint, "管理员", stale_after=3600)
    jobs.update(job.id, status="failed", step="failed", error="训练失败")
    done = jobs.get(job.id)
    assert done is not None and done.finished_at is not None and done.step_label == "失败"
    second = jobs.create(saved.id, "other", "管理员", stale_after=3600)
    jobs.update(second.id, status="succeeded", step="done")
    assert jobs.served_fingerprint() == "other"
    # a job whose process died is abandoned once it is older than stale_after
    third = jobs.create(saved.id, "x", "管理员", stale_after=3600)
    fourth = jobs.create(saved.id, "y", "管理员", stale_after=0)
    assert jobs.get(third.id).status == "failed" and fourth.status == "queued"  # type: ignore[union-attr]
