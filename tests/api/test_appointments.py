"""The appointment routes: bound to the caller's verified session, staff scopes and calendars,
and every refusal a clear 4xx (401 / 403 / 404 / 409 / 422)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.security.accounts import create_staff
from hotline.tickets.deadlines import BEIJING
from hotline.tickets.working_days import next_working_day
from tests.sessions import new_session

DAY = next_working_day(datetime.now(UTC).astimezone(BEIJING).date())
LATER = next_working_day(DAY)


def _book(client: TestClient, session: str, start: str, day: Any = DAY, **extra: Any) -> Any:
    return client.post("/api/appointments", json={
        "session_id": session, "date": day.isoformat(), "start": start,
        "service_item": "科技成果转化", "company": "武汉星河科技有限公司",
        "phone": "13912345678", **extra})


def test_book_list_reschedule_cancel(client: TestClient) -> None:
    me = new_session(client)
    free = client.get("/api/appointments/slots",
                      params={"session_id": me, "date": DAY.isoformat()})
    assert free.status_code == 200 and free.json()["count"] == 14
    made = _book(client, me, "09:00")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "booked" and body["channel"] == "web" and body["start"] == "09:00"
    mine = client.get("/api/appointments", params={"session_id": me}).json()
    assert [a["id"] for a in mine["data"]] == [body["id"]]
    moved = client.patch(f"/api/appointments/{body['id']}",
                         json={"session_id": me, "date": LATER.isoformat(), "period": "下午"})
    assert moved.status_code == 200 and (moved.json()["date"], moved.json()["start"]) == \
        (LATER.isoformat(), "13:30")
    cancelled = client.delete(f"/api/appointments/{body['id']}", params={"session_id": me})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = client.delete(f"/api/appointments/{body['id']}", params={"session_id": me})
    assert again.status_code == 409 and "已取消" in again.json()["message"]


def test_another_enterprise_can_neither_see_nor_change_your_booking(client: TestClient) -> None:
    me, other = new_session(client), new_session(client)
    made = _book(client, me, "09:30").json()
    assert client.get("/api/appointments", params={"session_id": other}).json()["count"] == 0
    for response in (
            client.delete(f"/api/appointments/{made['id']}", params={"session_id": other}),
            client.patch(f"/api/appointments/{made['id']}",
                         json={"session_id": other, "date": DAY.isoformat(), "start": "10:00"})):
        assert response.status_code == 404, response.text
    assert client.get("/api/appointments", params={"session_id": me}).json()["data"][0][
        "status"] == "booked"


def test_a_full_slot_is_409(client: TestClient) -> None:
    for _ in range(2):  # the default capacity
        assert _book(client, new_session(client), "10:00").status_code == 201
    full = _book(client, new_session(client), "10:00")
    assert full.status_code == 409 and "约满" in full.json()["message"]
    free = client.get("/api/appointments/slots",
                      params={"session_id": new_session(client), "date": DAY.isoformat()}).json()
    assert "10:00" not in [s["start"] for s in free["data"]]


@pytest.mark.parametrize(("change", "code"), [
    ({"session_id": "web:forged.signature"}, 401),
    ({"start": "09:10"}, 422),  # no such slot
    ({"start": "9点"}, 422),
    ({"date": "2026-13-45"}, 422),
    ({"date": "2020-01-06"}, 422),  # the past
    ({"start": None}, 422),  # neither a slot nor a half-day
    ({"phone": "abcdefg"}, 422),
    ({"company": ""}, 422),
    ({"calendar": "江汉区"}, 422),  # no such calendar
])
def test_bad_bookings_are_refused_clearly(client: TestClient, change: dict[str, Any],
                                          code: int) -> None:
    body = {"session_id": new_session(client), "date": DAY.isoformat(), "start": "10:30",
            "service_item": "高企认定", "company": "武汉星河科技有限公司", "phone": "13912345678",
            **change}
    response = client.post("/api/appointments", json=body)
    assert response.status_code == code, response.text
    assert response.json()["message"]


def test_the_enterprise_routes_need_a_session(client: TestClient) -> None:
    assert client.get("/api/appointments").status_code == 422
    assert client.get("/api/appointments", params={"session_id": "web:x.bad"}).status_code == 401
    assert client.delete("/api/appointments/1", params={"session_id": "web:x.bad"}).status_code \
        == 401
    assert client.delete("/api/appointments/99999",
                         params={"session_id": new_session(client)}).status_code == 404


def test_service_hours_say_when_a_person_calls_back(client: TestClient) -> None:
    hours = client.get("/api/appointments/hours").json()
    assert hours["office_hours"] == "工作日 09:00–12:00、13:30–17:30"
    assert hours["service_line"] is None  # not configured: not invented
    if not hours["open"]:
        assert hours["call_back_text"] in hours["message"]


def test_staff_see_the_day_mark_attendance_and_block(client: TestClient,
                                                     staff_headers: dict[str, str]) -> None:
    me = new_session(client)
    made = _book(client, me, "11:00").json()
    day = client.get("/api/staff/appointments", params={"date": DAY.isoformat()},
                     headers=staff_headers)
    assert day.status_code == 200 and made["id"] in [a["id"] for a in day.json()["data"]]
    assert len(day.json()["slots"]) == 14
    early = client.post(f"/api/staff/appointments/{made['id']}/attendance",
                        json={"attended": True}, headers=staff_headers)
    assert early.status_code == 409  # its day has not come
    assert client.post("/api/staff/appointments/99999/attendance", json={"attended": True},
                       headers=staff_headers).status_code == 404
    blocked = client.post("/api/staff/slots/blocks", headers=staff_headers, json={
        "date": LATER.isoformat(), "starts": ["16:00"], "reason": "窗口检修"})
    assert blocked.status_code == 200 and blocked.json()["data"][0]["blocked"] is True
    refused = _book(client, me, "16:00", day=LATER)
    assert refused.status_code == 409 and "暂停" in refused.json()["message"]
    unblocked = client.delete("/api/staff/slots/blocks", headers=staff_headers,
                              params={"date": LATER.isoformat(), "starts": ["16:00"]})
    assert unblocked.status_code == 200 and unblocked.json()["data"][0]["blocked"] is False
    assert _book(client, me, "16:00", day=LATER).status_code == 201
    assert client.post("/api/staff/slots/blocks", headers=staff_headers, json={
        "date": LATER.isoformat(), "starts": ["16:10"]}).status_code == 422


def test_roles_and_calendars(client: TestClient, runtime: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    _editor, editor_key = create_staff(runtime.sessions, f"编辑-{tag}", role="editor")
    _liaison, liaison_key = create_staff(runtime.sessions, f"联络员-{tag}", role="liaison",
                                         district="江夏区")
    editor = {"Authorization": f"Bearer {editor_key}"}
    liaison = {"Authorization": f"Bearer {liaison_key}"}
    assert client.get("/api/staff/appointments", params={"date": DAY.isoformat()},
                      headers=editor).status_code == 403  # editors have no appointments
    assert client.get("/api/staff/appointments", params={"date": DAY.isoformat()},
                      headers=liaison).status_code == 403  # the window is not theirs
    assert client.post("/api/staff/slots/blocks", json={"date": DAY.isoformat()},
                       headers=liaison).status_code == 403
    made = _book(client, new_session(client), "11:30").json()
    assert client.post(f"/api/staff/appointments/{made['id']}/attendance",
                       json={"attended": True}, headers=liaison).status_code == 404
    assert client.get("/api/staff/appointments",
                      params={"date": DAY.isoformat()}).status_code == 401


def test_staff_calendars_offer_the_window_and_the_working_days_around_today(
        client: TestClient, staff_headers: dict[str, str]) -> None:
    response = client.get("/api/staff/appointments/calendars", headers=staff_headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == [{"calendar": "window", "place": "市民之家市科技局服务窗口"}]
    today = datetime.now(UTC).astimezone(BEIJING).date()
    days = [d["date"] for d in body["days"]]
    assert body["today"] == today.isoformat()
    assert body["today_is_working_day"] == (today.isoformat() in days)
    assert days == sorted(days) and DAY.isoformat() in days and LATER.isoformat() in days
    assert len(days) == 10 + 10 + body["today_is_working_day"]  # back, booking days ahead
    assert body["days"][days.index(DAY.isoformat())]["text"].startswith(f"{DAY.month}月{DAY.day}日（")


def test_staff_calendars_are_only_the_members_own(client: TestClient, runtime: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    _editor, editor_key = create_staff(runtime.sessions, f"编辑-{tag}", role="editor")
    _liaison, liaison_key = create_staff(runtime.sessions, f"联络员-{tag}", role="liaison",
                                         district="江夏区")
    path = "/api/staff/appointments/calendars"
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": f"Bearer {editor_key}"}).status_code == 403
    liaison = client.get(path, headers={"Authorization": f"Bearer {liaison_key}"})
    assert liaison.status_code == 200  # 江夏区 takes no appointments here: nothing to manage
    assert (liaison.json()["count"], liaison.json()["data"]) == (0, [])
