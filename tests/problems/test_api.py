"""The problem list endpoints over the real app (shared runtime: only our own items count)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from hotline.security.accounts import create_staff

if TYPE_CHECKING:
    from api.runtime import Runtime

# an unusual question, so other tests' declined turns in the shared database do not join it
PHRASINGS = ["无人机企业能申请低空经济专项补贴吗", "低空经济的专项补贴无人机公司可以申请吗",
             "做无人机的企业可以报低空经济专项补贴不"]


@pytest.fixture(scope="module")
def staff_key(runtime) -> str:  # type: ignore[no-untyped-def]
    # resolving a problem group is an admin's (hotline/security/roles.py)
    _member, key = create_staff(runtime.sessions, f"问题清单-王芳-{uuid.uuid4().hex[:6]}",
                                role="admin")
    return key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def our_declined_questions(runtime) -> list[str]:  # type: ignore[no-untyped-def]
    session_id = f"problems-api-{uuid.uuid4().hex}"
    keys = []
    for text in PHRASINGS:
        turn_id = runtime.conversation_log.record(
            session_id=session_id, channel="web", text=text, intent="ask_policy",
            outcome="declined", confidence=None, top_doc_id=None, top_section=None)
        keys.append(f"turn:{turn_id}")
    return keys


def group_with(body: dict[str, Any], key: str) -> dict[str, Any]:
    return next(g for g in body["data"] if key in {i["key"] for i in g["items"]})


def test_the_problem_list_needs_a_staff_key(client: TestClient) -> None:
    assert client.get("/api/staff/problems").status_code == 401
    assert client.get("/api/staff/problems",
                      headers=auth("dxe_not-a-key")).status_code == 401
    missing = client.post("/api/staff/problems/turn:1/resolve", json={"resolution": "已补充FAQ"})
    assert missing.status_code == 401 and "工作人员" in missing.json()["message"]


def test_staff_see_the_group_resolve_it_once_and_find_it_resolved(
        client: TestClient, runtime: Runtime, staff_key: str) -> None:
    keys = our_declined_questions(runtime)

    listed = client.get("/api/staff/problems?status=open&items=50", headers=auth(staff_key))
    assert listed.status_code == 200
    body = listed.json()
    assert body["status"] == "open" and body["clustered"] is True
    group = group_with(body, keys[0])
    assert {i["key"] for i in group["items"]} >= set(keys)
    assert group["kinds"]["declined"] >= 3 and group["kind_labels"]["declined"] == "未能回答"
    item = next(i for i in group["items"] if i["key"] == keys[0])
    assert item["text"] == PHRASINGS[0] and item["kind_label"] == "未能回答"

    blank = client.post(f"/api/staff/problems/{group['id']}/resolve", headers=auth(staff_key),
                        json={"resolution": "  "})
    assert blank.status_code == 422 and "处理结果不能为空" in blank.json()["message"]
    unknown = client.post("/api/staff/problems/turn:987654321/resolve",
                          headers=auth(staff_key), json={"resolution": "已补充FAQ"})
    assert unknown.status_code == 404 and "没有找到" in unknown.json()["message"]

    done = client.post(f"/api/staff/problems/{group['id']}/resolve", headers=auth(staff_key),
                       json={"resolution": "已补充FAQ：低空经济补贴请咨询发改部门"})
    assert done.status_code == 200
    assert done.json()["resolution"]["text"] == "已补充FAQ：低空经济补贴请咨询发改部门"
    assert done.json()["resolution"]["staff"].startswith("问题清单-王芳")

    again = client.post(f"/api/staff/problems/{group['id']}/resolve", headers=auth(staff_key),
                        json={"resolution": "已补充FAQ"})
    assert again.status_code == 409 and "已处理" in again.json()["message"]

    still_open = client.get("/api/staff/problems?items=500", headers=auth(staff_key)).json()
    assert not set(keys) & {i["key"] for g in still_open["data"] for i in g["items"]}
    resolved = client.get("/api/staff/problems?status=resolved&items=500",
                          headers=auth(staff_key)).json()
    closed = group_with(resolved, keys[0])
    assert closed["id"] == group["id"] and {i["key"] for i in closed["items"]} >= set(keys)
    assert closed["resolution"]["text"] == "已补充FAQ：低空经济补贴请咨询发改部门"


def test_bad_filters_are_422(client: TestClient, staff_key: str) -> None:
    for query in ("status=closed", "items=0", "since=2026-11-01T00:00:00", "since=yesterday"):
        response = client.get(f"/api/staff/problems?{query}", headers=auth(staff_key))
        assert response.status_code == 422, query


def test_the_open_list_says_how_many_open_items_there_are_in_all(
        client: TestClient, runtime: Runtime, staff_key: str) -> None:
    def open_counts() -> dict[str, Any]:
        body = client.get("/api/staff/problems?items=1", headers=auth(staff_key)).json()
        assert body["max_items"] == 3000 and body["open_total"] >= body["items"]
        assert body["open_total"] == sum(body["open_by_kind"].values())
        return dict(body["open_by_kind"])

    before = open_counts()
    session_id = f"problems-total-{uuid.uuid4().hex}"
    keys = []
    for text in ("深海探测装备企业有没有专项贴息", "深海探测装备公司能拿专项贴息吗"):
        turn_id = runtime.conversation_log.record(
            session_id=session_id, channel="wechat", text=text, intent="ask_policy",
            outcome="declined", confidence=None, top_doc_id=None, top_section=None)
        keys.append(f"turn:{turn_id}")
    assert open_counts() == {**before, "declined": before["declined"] + 2}

    listed = client.get("/api/staff/problems?items=50", headers=auth(staff_key)).json()
    group = group_with(listed, keys[0])
    done = client.post(f"/api/staff/problems/{group['id']}/resolve", headers=auth(staff_key),
                       json={"resolution": "已转介：请咨询市经信局", "item_keys": [keys[0]]})
    assert done.status_code == 200
    assert open_counts() == {**before, "declined": before["declined"] + 1}
