"""GET/PUT /api/admin/knowledge/documents/{id}/topics: roles, 404, 422."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from tests.staff_keys import role_headers

if TYPE_CHECKING:
    from api.runtime import Runtime

URL = "/api/admin/knowledge/documents/{}/topics"


@pytest.fixture(scope="module")
def headers(runtime: Runtime) -> dict[str, dict[str, str]]:
    return role_headers(runtime.sessions, "topics-api")


def _a_document(runtime: Runtime) -> str:
    return runtime.library.documents()[0].document.id


def test_admins_tag_editors_read_others_are_refused(client: TestClient, runtime: Runtime,
                                                    headers: dict[str, dict[str, str]]) -> None:
    doc_id = _a_document(runtime)
    before = runtime.subscriptions.document_topics(doc_id)
    try:
        put = client.put(URL.format(doc_id), json={"topics": ["transfer", "high_tech"]},
                         headers=headers["admin"])
        assert put.status_code == 200, put.text
        assert put.json()["topics"] == ["high_tech", "transfer"]  # the topics' order
        read = client.get(URL.format(doc_id), headers=headers["editor"])
        assert read.status_code == 200 and read.json()["topics"] == ["high_tech", "transfer"]
        assert {t["key"]: t["name"] for t in read.json()["available"]}["talent"] == \
            "人才与外国人工作许可"
        refused = client.put(URL.format(doc_id), json={"topics": []}, headers=headers["editor"])
        assert refused.status_code == 403
        for role in ("staff", "liaison"):
            assert client.get(URL.format(doc_id), headers=headers[role]).status_code == 403
        assert client.get(URL.format(doc_id)).status_code == 401
        assert runtime.subscriptions.document_topics(doc_id) == ["high_tech", "transfer"]
        cleared = client.put(URL.format(doc_id), json={"topics": []}, headers=headers["admin"])
        assert cleared.status_code == 200 and cleared.json()["topics"] == []
    finally:
        runtime.subscriptions.set_document_topics(doc_id, before, "test")


def test_unknown_documents_404_and_bad_bodies_422(client: TestClient, runtime: Runtime,
                                                  headers: dict[str, dict[str, str]]) -> None:
    admin = headers["admin"]
    missing = client.get(URL.format("no-such-document"), headers=admin)
    assert missing.status_code == 404 and "没有找到" in missing.json()["detail"]
    assert client.put(URL.format("no-such-document"), json={"topics": ["high_tech"]},
                      headers=admin).status_code == 404
    doc_id = _a_document(runtime)
    for body in ({"topics": ["lottery"]}, {"topics": "high_tech"}, {},
                 {"topics": ["high_tech"] * 8}):
        response = client.put(URL.format(doc_id), json=body, headers=admin)
        assert response.status_code == 422, (body, response.text)
    assert client.get(URL.format("bad id!"), headers=admin).status_code == 422
