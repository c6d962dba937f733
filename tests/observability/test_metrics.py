"""GET /metrics: who may scrape, and that the numbers follow what the app did."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from hotline.tickets.service import NewTicket
from tests.sessions import new_session


def _value(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition text (0 when the series is absent)."""
    for line in text.splitlines():
        match = re.match(r"([a-zA-Z_:]+)(\{.*\})? (\S+)$", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return 0.0


@pytest.fixture()
def local_client(runtime) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """The app as a client on this machine sees it (127.0.0.1)."""
    with TestClient(create_app(runtime=runtime), client=("127.0.0.1", 40000)) as local:
        yield local


def test_a_remote_client_may_not_scrape_without_the_token(client: TestClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 403
    assert "DXE_METRICS_TOKEN" in response.json()["message"]


def test_with_a_token_only_its_bearer_may_scrape(runtime, client: TestClient,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "settings",
                        runtime.settings.model_copy(update={"METRICS_TOKEN": "scrape-me-1234"}))
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-1234"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")


def test_production_without_a_token_refuses_even_this_machine(  # type: ignore[no-untyped-def]
        runtime, local_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "settings",
                        runtime.settings.model_copy(update={"ENV": "production"}))
    assert local_client.get("/metrics").status_code == 403


def test_requests_are_timed_by_route_template_not_by_raw_path(local_client: TestClient) -> None:
    local_client.get("/api/staff/tickets/DXE-NOT-THERE")  # 401, a path parameter
    text = local_client.get("/metrics").text
    assert _value(text, "dxe_http_request_duration_seconds_count", method="GET",
                  route="/api/staff/tickets/{ticket_id}", status="401") >= 1
    assert "DXE-NOT-THERE" not in text
    local_client.get("/no/such/page")
    assert _value(local_client.get("/metrics").text, "dxe_http_request_duration_seconds_count",
                  method="GET", route="unmatched", status="404") >= 1


def test_chat_turns_are_counted_by_outcome(local_client: TestClient) -> None:
    before = local_client.get("/metrics").text
    session = new_session(local_client)
    reply = local_client.post("/api/chat", json={"session_id": session, "text": "你好"})
    assert reply.status_code == 200
    after = local_client.get("/metrics").text
    counted = [(line.split(" ")[0]) for line in after.splitlines()
               if line.startswith("dxe_chat_turns_total{") and 'channel="web"' in line]
    assert counted, after
    total_before = sum(_value(before, "dxe_chat_turns_total", channel="web", outcome=o)
                       for o in ("smalltalk", "dialogue", "answered", "declined"))
    total_after = sum(_value(after, "dxe_chat_turns_total", channel="web", outcome=o)
                      for o in ("smalltalk", "dialogue", "answered", "declined"))
    assert total_after == total_before + 1
    assert _value(after, "dxe_chat_turns_last_hour", outcome="smalltalk") >= 1


def test_ticket_gauges_follow_the_database(runtime, local_client: TestClient) -> None:  # type: ignore[no-untyped-def]
    text = local_client.get("/metrics").text
    status = "assigned"  # a new ticket goes straight to the district's liaison
    before = _value(text, "dxe_tickets", status=status)
    overdue_before = _value(text, "dxe_tickets_overdue")
    runtime.tickets.open(NewTicket(session_id="web:metrics-gauge", channel="web",
                                   question="指标测试：高企认定材料", company=None, phone=None,
                                   district="江岸区"))
    late = runtime.tickets.open(NewTicket(session_id="web:metrics-late", channel="web",
                                          question="指标测试：超期工单", company=None,
                                          phone=None, district="江岸区"))
    with runtime.sessions.begin() as session:  # its deadlines passed long ago
        from hotline.tickets.models import Ticket
        row = session.get(Ticket, late.id)
        row.due_at = row.contact_due_at = datetime.now(UTC) - timedelta(days=30)
    text = local_client.get("/metrics").text
    assert late.status == status
    assert _value(text, "dxe_tickets", status=status) == before + 2
    assert _value(text, "dxe_tickets_overdue") == overdue_before + 1


def test_the_served_index_is_reported(runtime, local_client: TestClient) -> None:  # type: ignore[no-untyped-def]
    text = local_client.get("/metrics").text
    assert _value(text, "dxe_index_serving") == 1.0
    manifest = runtime.searcher.index.manifest
    assert f'chunks="{manifest.chunks}"' in text
