"""The knowledge library's API: each route refuses no login (401) and the wrong role (403);
editors draft and submit, admins publish, withdraw and restore; every change is audited."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.security.accounts import create_staff

K = "/api/admin/knowledge"
POLICY = """武汉市低轨卫星企业测控补贴办法
第一条 为支持低轨卫星企业发展，制定本办法。
第二条 测控补贴。对在汉低轨卫星企业，按地面测控服务费用的20%给予补贴，每家每年最高80万元。
"""
# (method, path, body, the least role that may) — ids that do not exist are fine for 401/403
ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", f"{K}/documents", None, "editor"),
    ("POST", f"{K}/documents/upload", {"filename": "a.txt", "content_base64": "YQ=="}, "editor"),
    ("GET", f"{K}/documents/none", None, "editor"),
    ("PUT", f"{K}/documents/none/metadata", {"title": "x"}, "editor"),
    ("PUT", f"{K}/documents/none/chunks", {"chunks": []}, "editor"),
    ("POST", f"{K}/documents/none/transitions", {"move": "submit"}, "editor"),
    ("GET", f"{K}/documents/none/versions", None, "editor"),
    ("POST", f"{K}/documents/none/versions/1/restore", None, "admin"),
    ("GET", f"{K}/faqs", None, "editor"),
    ("POST", f"{K}/faqs", {"question": "x"}, "editor"),
    ("PUT", f"{K}/faqs/none", {"question": "x"}, "editor"),
    ("GET", f"{K}/synonyms", None, "editor"),
    ("PUT", f"{K}/synonyms/x", {"canonical": "y"}, "editor"),
    ("DELETE", f"{K}/synonyms/x", None, "editor"),
    ("GET", f"{K}/synonyms/rasa.yml", None, "editor"),
    ("GET", f"{K}/index/jobs", None, "editor"),
    ("GET", f"{K}/index/jobs/1", None, "editor"),
    ("POST", f"{K}/index/jobs", None, "admin"),
    ("POST", "/api/admin/problems/turn:1/faq-draft", None, "editor"),
]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keys(runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    made = {}
    for role in ("staff", "liaison", "editor", "admin"):
        _member, key = create_staff(runtime.sessions, f"知识库-{role}-{uuid.uuid4().hex[:6]}",
                                    role=role, district="江夏区" if role == "liaison" else None)
        made[role] = key
    return made


def wait_for_job(client: TestClient, key: str, job_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"{K}/index/jobs/{job_id}", headers=bearer(key)).json()
        if job["state"] in ("published", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_every_route_needs_a_login_and_the_right_role(client: TestClient,
                                                      keys: dict[str, str]) -> None:
    for method, path, body, least in ROUTES:
        assert client.request(method, path, json=body).status_code == 401, path
        wrong = ["staff", "liaison"] + (["editor"] if least == "admin" else [])
        for role in wrong:
            response = client.request(method, path, json=body, headers=bearer(keys[role]))
            assert response.status_code == 403, (path, role, response.text)
        allowed = client.request(method, path, json=body, headers=bearer(keys[least]))
        assert allowed.status_code not in (401, 403), (path, allowed.text)


def test_an_upload_is_split_corrected_reviewed_published_and_restored(
        client: TestClient, keys: dict[str, str], runtime: Any) -> None:
    editor, admin = bearer(keys["editor"]), bearer(keys["admin"])
    uploaded = client.post(f"{K}/documents/upload", headers=editor, json={
        "filename": "卫星测控补贴办法.txt", "issuer": "武汉市科学技术局",
        "source": "测试上传", "doc_number": "武科规〔2026〕7号",
        "content_base64": base64.b64encode(POLICY.encode()).decode()})
    assert uploaded.status_code == 201, uploaded.text
    doc = uploaded.json()
    doc_id = doc["id"]
    assert doc["title"] == "卫星测控补贴办法" and doc["state"] == "draft"
    assert [c["label"] for c in doc["chunk_list"]] == [None, "第一条", "第二条"]

    chunks = [{"id": c["id"], "section": c["section"], "label": c["label"], "text": c["text"]}
              for c in doc["chunk_list"][1:]]  # the editor drops the title line
    corrected = client.put(f"{K}/documents/{doc_id}/chunks", headers=editor,
                           json={"chunks": chunks})
    assert corrected.status_code == 200 and corrected.json()["chunks"] == 2

    assert client.post(f"{K}/documents/{doc_id}/transitions", headers=editor,
                       json={"move": "publish"}).status_code == 403
    assert client.post(f"{K}/documents/{doc_id}/transitions", headers=admin,
                       json={"move": "publish"}).status_code == 409  # not submitted
    submitted = client.post(f"{K}/documents/{doc_id}/transitions", headers=editor,
                            json={"move": "submit"})
    assert submitted.status_code == 200 and submitted.json()["index_job"] is None
    assert client.put(f"{K}/documents/{doc_id}/metadata", headers=editor,
                      json={"title": "改"}).status_code == 409  # under review
    published = client.post(f"{K}/documents/{doc_id}/transitions", headers=admin,
                            json={"move": "publish"})
    assert published.status_code == 200
    assert published.json()["document"]["live_version"] == 1
    job = wait_for_job(client, keys["admin"], published.json()["index_job"])
    assert job["state"] == "published", job

    client.put(f"{K}/documents/{doc_id}/metadata", headers=editor,
               json={"title": "卫星测控补贴办法（修订）", "issuer": "武汉市科学技术局",
                     "source": "测试上传"})
    client.post(f"{K}/documents/{doc_id}/transitions", headers=editor, json={"move": "submit"})
    second = client.post(f"{K}/documents/{doc_id}/transitions", headers=admin,
                         json={"move": "publish"})
    assert second.json()["document"]["live_version"] == 2
    versions = client.get(f"{K}/documents/{doc_id}/versions", headers=editor).json()
    assert [v["number"] for v in versions["data"]] == [2, 1]
    assert client.post(f"{K}/documents/{doc_id}/versions/1/restore",
                       headers=editor).status_code == 403
    assert client.post(f"{K}/documents/{doc_id}/versions/9/restore",
                       headers=admin).status_code == 404
    restored = client.post(f"{K}/documents/{doc_id}/versions/1/restore", headers=admin)
    assert restored.status_code == 200
    assert restored.json()["document"]["title"] == "卫星测控补贴办法"
    assert restored.json()["document"]["live_version"] == 3

    withdrawn = client.post(f"{K}/documents/{doc_id}/transitions", headers=admin,
                            json={"move": "withdraw"})
    assert withdrawn.status_code == 200 and withdrawn.json()["document"]["state"] == "withdrawn"
    assert wait_for_job(client, keys["admin"], withdrawn.json()["index_job"])["state"] == \
        "published"
    listed = client.get(f"{K}/documents", headers=editor, params={"state": "withdrawn"}).json()
    assert doc_id in {d["id"] for d in listed["data"]}
    audit = client.get("/api/admin/audit", headers=admin, params={"kind": "document"}).json()
    mine = [e["action"] for e in audit["data"] if e["subject_id"] == doc_id]
    assert mine[0] == "withdraw" and mine[-1] == "create" and "restore" in mine


def test_faqs_synonyms_and_problem_drafts(client: TestClient, keys: dict[str, str],
                                          runtime: Any) -> None:
    editor, admin = bearer(keys["editor"]), bearer(keys["admin"])
    created = client.post(f"{K}/faqs", headers=editor, json={
        "question": "卫星测控补贴最高多少？", "paraphrases": ["测控补贴封顶多少"], "answer": ""})
    assert created.status_code == 201
    faq_id = created.json()["id"]
    updated = client.put(f"{K}/faqs/{faq_id}", headers=editor, json={
        "question": "卫星测控补贴最高多少？", "paraphrases": ["测控补贴封顶多少"],
        "answer": "每家每年最高80万元。", "title": "卫星测控补贴办法", "issuer": "武汉市科学技术局",
        "section": "第二条", "source": "测试"})
    assert updated.status_code == 200
    assert updated.json()["faq"] == {"question": "卫星测控补贴最高多少？",
                                     "paraphrases": ["测控补贴封顶多少"],
                                     "answer": "每家每年最高80万元。", "section": "第二条"}
    faqs = client.get(f"{K}/faqs", headers=editor).json()["data"]
    assert faq_id in {f["id"] for f in faqs}

    term = f"卫测{uuid.uuid4().hex[:4]}"
    put = client.put(f"{K}/synonyms/{term}", headers=editor, json={"canonical": "卫星测控"})
    assert put.status_code == 200 and put.json()["index_job"]
    assert {"term": term, "canonical": "卫星测控"} in \
        client.get(f"{K}/synonyms", headers=editor).json()["data"]
    rasa = client.get(f"{K}/synonyms/rasa.yml", headers=editor).text
    assert "synonym: 高新技术企业" in rasa and "- 高企" in rasa
    deleted = client.delete(f"{K}/synonyms/{term}", headers=editor)
    assert deleted.status_code == 200
    assert client.delete(f"{K}/synonyms/{term}", headers=editor).status_code == 404
    assert wait_for_job(client, keys["admin"], deleted.json()["index_job"])["state"] == \
        "published"

    session_id = f"kb-problem-{uuid.uuid4().hex}"
    phrasings = ["低轨卫星测控补贴怎么申请", "卫星测控的补贴怎么申请啊", "低轨卫星测控补贴如何申请"]
    turn_ids = [runtime.conversation_log.record(
        session_id=session_id, channel="web", text=text, intent="ask_policy",
        outcome="declined", confidence=None, top_doc_id=None, top_section=None)
        for text in phrasings]
    groups = client.get("/api/staff/problems", headers=admin, params={"items": 50}).json()
    group = next(g for g in groups["data"] if f"turn:{turn_ids[0]}" in
                 {i["key"] for i in g["items"]})
    drafted = client.post(f"/api/admin/problems/{group['id']}/faq-draft", headers=editor)
    assert drafted.status_code == 201, drafted.text
    faq = drafted.json()["faq"]
    assert faq["question"] == group["label"] and faq["answer"] == ""
    assert set(faq["paraphrases"]) == set(phrasings) - {group["label"]}
    assert drafted.json()["state"] == "draft"
    assert client.post("/api/admin/problems/turn:0/faq-draft", headers=editor).status_code == 404


def test_bad_input_is_refused_clearly(client: TestClient, keys: dict[str, str]) -> None:
    editor = bearer(keys["editor"])
    bad = client.post(f"{K}/documents/upload", headers=editor,
                      json={"filename": "a.txt", "content_base64": "不是base64"})
    assert bad.status_code == 422 and "base64" in bad.json()["message"]
    exe = client.post(f"{K}/documents/upload", headers=editor,
                      json={"filename": "a.exe", "content_base64": "TVo="})
    assert exe.status_code == 422 and "docx" in exe.json()["message"]
    assert client.get(f"{K}/documents/{'x' * 65}", headers=editor).status_code == 422
    assert client.post(f"{K}/documents/none/transitions", headers=editor,
                       json={"move": "explode"}).status_code == 422
    assert client.get(f"{K}/index/jobs/{2**31}", headers=editor).status_code == 422


def test_the_page_and_its_assets_are_served_under_the_strict_policy(client: TestClient) -> None:
    from api.web.knowledge_page import ASSET_TYPES
    from api.web.router import STATIC_DIR

    page = client.get("/admin/knowledge")
    assert page.status_code == 200 and "知识库" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "require-trusted-types-for 'script'" in policy
    assert "frame-ancestors 'none'" in policy and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " style=" not in page.text
    for name in ASSET_TYPES:
        assert client.get(f"/admin/knowledge/assets/{name}").status_code == 200, name
    assert client.get("/admin/knowledge/assets/knowledge.html").status_code == 404
    script = (STATIC_DIR / "knowledge.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink
    for href in ("/admin", "/admin/knowledge", "/admin/directory", "/console"):
        assert f'href="{href}"' in page.text
