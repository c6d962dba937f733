"""Suggested answers for staff, health reporting, and the index-less degraded state."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from tests.sessions import new_session

if TYPE_CHECKING:
    from hotline.settings import Settings


def test_suggestions_are_for_staff_only(client: TestClient) -> None:
    response = client.post("/api/assist/suggest", json={"question": "外国人来华工作许可怎么办"})
    assert response.status_code == 401 and "staff" in response.json()["message"]
    forged = client.post("/api/assist/suggest", json={"question": "高企"},
                         headers={"Authorization": "Bearer dxe_made-up"})
    assert forged.status_code == 401


def test_suggestions_are_ranked_with_citations(client: TestClient,
                                               staff_headers: dict[str, str]) -> None:
    response = client.post("/api/assist/suggest", headers=staff_headers,
                           json={"question": "外国人来华工作许可怎么办", "k": 4})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4 == len(body["suggestions"])
    assert [s["rank"] for s in body["suggestions"]] == [1, 2, 3, 4]
    first = body["suggestions"][0]
    assert first["citation"]["doc_id"] and first["citation"]["section"] and first["text"]
    assert "工作许可" in first["text"] + first["citation"]["title"]
    assert first["confidence"] >= max(s["confidence"] for s in body["suggestions"][1:])
    assert first["reliable"] is (first["confidence"] >= 0.5)


def test_health_reports_every_component(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    components = response.json()["components"]
    assert {"index", "database", "dialogue"} <= set(components)
    assert components["index"]["status"] == "ok"
    assert components["database"]["status"] == "ok"


def test_without_an_index_the_app_still_serves_liaisons_and_declines_honestly(
        test_settings: Settings, tmp_path: Path) -> None:
    from api.main import create_app
    from api.runtime import Runtime
    from hotline.security.accounts import create_staff

    settings = test_settings.model_copy(update={"INDEX_DIR": tmp_path / "no-index",
                                                "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    runtime = Runtime.start(settings)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            health = client.get("/api/health").json()
            assert health["status"] == "degraded"
            assert health["components"]["index"]["status"] == "down"
            assert "make setup" in health["components"]["index"]["detail"]
            session = new_session(client)
            liaison = client.post("/api/chat", json={"session_id": session, "text": "光谷的企业找谁"})
            assert "彭华魁" in liaison.json()["replies"][0]["text"]
            policy = client.post("/api/chat", json={"session_id": session, "text": "高企 网上能办不"})
            assert policy.status_code == 200 and policy.json()["answer"] is None
            _member, key = create_staff(runtime.sessions, "无索引坐席")
            assert client.post("/api/assist/suggest", json={"question": "高企"},
                               headers={"Authorization": f"Bearer {key}"}).status_code == 503
    finally:
        runtime.close()
