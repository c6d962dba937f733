"""The directory editor's routes: who may call each (401 / 403 / 2xx), and what they do."""

from __future__ import annotations

import time
from typing import Any

import pytest

ROUTES: list[tuple[str, str, str, Any]] = [  # (method, path, scope, body)
    ("GET", "/api/admin/directory", "read", None),
    ("GET", "/api/admin/directory/versions", "read", None),
    ("GET", "/api/admin/directory/audit", "read", None),
    ("GET", "/api/admin/directory/retrain", "read", None),
    ("GET", "/api/admin/directory/retrain/1", "read", None),
    ("PUT", "/api/admin/directory/districts/江岸区", "edit", {}),
    ("POST", "/api/admin/directory/places", "edit", {}),
    ("PUT", "/api/admin/directory/places/某地", "edit", {}),
    ("DELETE", f"/api/admin/directory/places/某地?base_version={'0' * 64}", "edit", None),
    ("POST", "/api/admin/directory/retrain", "train", {"version": "0" * 64}),
]


def _served(runtime: Any, timeout: float = 180.0) -> None:
    """Wait until the save's re-index is published and this process serves it."""
    deadline = time.monotonic() + timeout
    while not runtime.index_is_current():
        assert time.monotonic() < deadline, "the change's re-index was not served in time"
        time.sleep(0.2)


def _latest(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/admin/directory", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _district_body(data: dict[str, Any], name: str, **changes: Any) -> dict[str, Any]:
    row = next(d for d in data["districts"] if d["name"] == name)
    body = {key: row.get(key) or "" for key in
            ("full_name", "leader", "leader_title", "department", "contact", "phone")}
    body.update(aliases=row["aliases"], base_version=data["version"]["etag"])
    body.update(changes)
    return body


@pytest.mark.parametrize("method,path,scope,body", ROUTES)
def test_every_route_needs_a_sign_in_and_the_right_role(directory_client: Any, keys: Any,
                                                      method: str, path: str, scope: str,
                                                      body: Any) -> None:
    assert directory_client.request(method, path, json=body).status_code == 401
    refused = {"read": ("staff", "liaison"), "edit": ("staff", "liaison"),
               "train": ("staff", "liaison", "editor")}[scope]
    for role in refused:
        response = directory_client.request(method, path, json=body, headers=keys[role])
        assert response.status_code == 403, (role, response.text)


def test_editors_read_and_edit_a_district(directory_client: Any, keys: Any,
                                          directory_runtime: Any) -> None:
    for role in ("editor", "admin"):
        data = _latest(directory_client, keys[role])
        assert {d["name"] for d in data["districts"]} >= {"东湖高新区", "江岸区"}
        assert any(p["name"] == "东湖新技术开发区" for p in data["places"])
    data = _latest(directory_client, keys["editor"])
    body = _district_body(data, "江岸区", contact="赵六", phone="027-8276 0000",
                          note="换联系人")
    saved = directory_client.put("/api/admin/directory/districts/江岸区", json=body,
                                 headers=keys["editor"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"]["id"] == data["version"]["id"] + 1
    assert saved.json()["retrain_needed"] is False  # a contact is not in Rasa's data
    # served once its re-index (the directory document names the contact) is published
    _served(directory_runtime)
    turn = directory_runtime.assistant().liaison("后湖的企业找谁")
    assert "赵六" in turn.texts[0]
    # the same base version again: someone else saved meanwhile
    stale = directory_client.put("/api/admin/directory/districts/江岸区", json=body,
                                 headers=keys["editor"])
    assert stale.status_code == 409 and "刷新" in stale.json()["message"]
    audit = directory_client.get("/api/admin/directory/audit", headers=keys["editor"]).json()
    entry = audit["data"][0]
    assert entry["subject_id"] == "江岸区" and entry["before"]["contact"] != "赵六"
    assert entry["after"]["contact"] == "赵六"
    versions = directory_client.get("/api/admin/directory/versions", headers=keys["admin"]).json()
    assert versions["data"][0]["note"] == "换联系人" and versions["data"][0]["author"] == "名录测试-editor"


def test_bad_edits_get_clear_chinese_messages(directory_client: Any, keys: Any) -> None:
    data = _latest(directory_client, keys["editor"])
    version = data["version"]["etag"]
    claimed = directory_client.put(
        "/api/admin/directory/districts/江岸区", headers=keys["editor"],
        json=_district_body(data, "江岸区", aliases=["后湖", "光谷"]))
    assert claimed.status_code == 422
    assert "“光谷”同时属于" in claimed.json()["message"]
    unknown = directory_client.post("/api/admin/directory/places", headers=keys["editor"], json={
        "base_version": version, "name": "某某园", "kind": "park", "unit": "火星区"})
    assert unknown.status_code == 422 and "不在名录里" in unknown.json()["message"]
    empty = directory_client.post("/api/admin/directory/places", headers=keys["editor"], json={
        "base_version": version, "name": "  ", "kind": "park", "unit": "江岸区"})
    assert empty.status_code == 422 and "不能为空" in empty.json()["message"]
    short = directory_client.put("/api/admin/directory/districts/江岸区", headers=keys["editor"],
                                 json=_district_body(data, "江岸区", aliases=["后湖", "岸"]))
    assert short.status_code == 422 and "“岸”太短" in short.json()["message"]
    missing = directory_client.put("/api/admin/directory/districts/火星区", headers=keys["editor"],
                                   json=_district_body(data, "江岸区"))
    assert missing.status_code == 404
    assert _latest(directory_client, keys["editor"])["version"]["etag"] == version  # none saved


def test_a_new_place_needs_a_retrain_and_can_be_changed_and_deleted(
        directory_client: Any, keys: Any, directory_runtime: Any) -> None:
    data = _latest(directory_client, keys["editor"])
    created = directory_client.post("/api/admin/directory/places", headers=keys["editor"], json={
        "base_version": data["version"]["etag"], "name": "云栖科创园", "kind": "park",
        "unit": "黄陂区", "aliases": ["云栖园"], "english": ["Yunqi Park"]})
    assert created.status_code == 201, created.text
    assert created.json()["retrain_needed"] is True
    _served(directory_runtime)
    assert directory_runtime.knowledge.directory.get("云栖园").district == "黄陂区"
    version = created.json()["version"]["etag"]
    moved = directory_client.put("/api/admin/directory/places/云栖科创园", headers=keys["editor"],
                                 json={"base_version": version, "name": "云栖科创园",
                                       "kind": "park", "unit": "新洲区"})
    assert moved.status_code == 200, moved.text
    _served(directory_runtime)
    assert directory_runtime.knowledge.directory.get("云栖科创园").district == "新洲区"
    assert directory_runtime.knowledge.directory.get("云栖园") is None
    gone = directory_client.delete(
        f"/api/admin/directory/places/云栖科创园?base_version={moved.json()['version']['etag']}",
        headers=keys["admin"])
    assert gone.status_code == 200
    _served(directory_runtime)
    assert directory_runtime.knowledge.directory.get("云栖科创园") is None
    kinds = [e["action"] for e in directory_client.get(
        "/api/admin/directory/audit", headers=keys["admin"]).json()["data"][:3]]
    assert kinds == ["directory.place_delete", "directory.place", "directory.place_add"]


def test_the_page_is_served_under_the_strict_policy(directory_client: Any) -> None:
    page = directory_client.get("/admin/directory")
    assert page.status_code == 200 and "名录" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "trusted-types 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    for name in ("directory.js", "directory.css"):
        assert directory_client.get(f"/admin/directory/assets/{name}").status_code == 200
    assert directory_client.get("/admin/directory/assets/chat.js").status_code == 404
    script = directory_client.get("/admin/directory/assets/directory.js").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script  # staff text is set with textContent only
    assert "<script>" not in page.text and "style=" not in page.text  # no inline code


@pytest.mark.integration
def test_a_failed_retrain_keeps_the_old_model_and_says_why(
        directory_client: Any, keys: Any, directory_runtime: Any) -> None:
    """A real ``rasa train`` that runs out of time: the job fails, no new model stays."""
    previous = directory_runtime.settings
    directory_runtime.settings = previous.model_copy(update={"RASA_TRAINING_TIMEOUT_SECONDS": 3})
    try:
        latest = _latest(directory_client, keys["admin"])["version"]["etag"]
        stale = directory_client.post("/api/admin/directory/retrain", headers=keys["admin"],
                                      json={"version": "f" * 64})
        assert stale.status_code == 409 and "刷新" in stale.json()["message"]
        started = directory_client.post("/api/admin/directory/retrain", headers=keys["admin"],
                                        json={"version": latest})
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        again = directory_client.post("/api/admin/directory/retrain", headers=keys["admin"],
                                      json={"version": latest})
        assert again.status_code == 409
        deadline = time.monotonic() + 120
        job = started.json()
        while time.monotonic() < deadline and job["status"] in ("queued", "running"):
            time.sleep(0.5)
            job = directory_client.get(f"/api/admin/directory/retrain/{job_id}",
                                       headers=keys["editor"]).json()
        assert job["status"] == "failed" and job["step"] == "failed"
        assert job["error"] == "训练超时"  # the real `rasa train`, stopped
        models = list(previous.RASA_TRAINING_DIR.glob("*.tar.gz"))
        assert models == []  # rolled back: the half-made model is gone
        assert directory_client.get("/api/admin/directory", headers=keys["editor"]).json()[
            "job"]["id"] == job_id
    finally:
        directory_runtime.settings = previous
