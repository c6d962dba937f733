"""Two app processes on one PostgreSQL database, one Redis and one index store — the
multi-replica topology of deploy/compose.yml, started for real (``python -m api.manage
serve``): they start together on an empty database, share the rate-limit counters, see each
other's tickets, and a document published through one is answered by the other without a
restart; a bounded burst of turns spread over both gets no error."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.supervisor import app_replicas
from hotline.db import make_engine, make_session_factory
from hotline.security.accounts import create_staff
from tests.databases import database, redis_url

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CHAT_LIMIT = 3  # turns per session per minute, for this topology only
FACT = "2026年深海探测企业装备补贴每家最高150万元"
QUESTION = "深海探测企业装备补贴最高多少钱"


@dataclass(frozen=True)
class Replicas:
    urls: list[str]
    database_url: str
    admin_key: str


@pytest.fixture(scope="module")
def replicas(model_dir: Path, index_dir: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    root = tmp_path_factory.mktemp("replicas")
    shutil.copytree(index_dir, root / "index", symlinks=True)  # one store, shared by both
    limiter = f"{redis_url()}/3"
    with database("postgresql", root) as (engine, db_url):
        engine.dispose()
        env = {**os.environ, "DXE_DATABASE_URL": db_url, "DXE_INDEX_DIR": str(root / "index"),
               "DXE_EMBEDDING_MODEL": str(model_dir), "DXE_RASA_URL": "",
               "DXE_SESSION_SECRET": secrets.token_urlsafe(24),
               "DXE_RATE_LIMIT_STORAGE": limiter,
               "DXE_RATE_LIMITS": json.dumps({"chat.session": f"{CHAT_LIMIT}/minute",
                                              "chat.ip": "", "session.ip": ""}),
               "DXE_LIBRARY_POLL_SECONDS": "0.5", "DXE_ESCALATION_INTERVAL_SECONDS": "0",
               "DXE_VAR_DIR": str(root / "var")}
        with app_replicas(env, 2, root / "logs") as running:  # together, on an empty database
            admin_engine = make_engine(db_url)
            _member, key = create_staff(make_session_factory(admin_engine), "副本测试管理员",
                                        role="admin")
            admin_engine.dispose()
            yield Replicas(running.urls, db_url, key)


def _session(url: str) -> str:
    response = httpx.post(f"{url}/api/sessions", timeout=10)
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


def _chat(url: str, session: str, text: str) -> httpx.Response:
    return httpx.post(f"{url}/api/chat", json={"session_id": session, "text": text}, timeout=30)


def test_a_credential_and_its_rate_limit_hold_on_every_replica(replicas: Replicas) -> None:
    first, second = replicas.urls
    session = _session(first)  # issued by one replica, accepted by the other (one secret)
    codes = [_chat((first, second)[n % 2], session, "高企认定需要哪些材料").status_code
             for n in range(CHAT_LIMIT + 1)]
    # the counter is shared through Redis: the turn over the limit is refused wherever it lands
    assert codes == [200] * CHAT_LIMIT + [429], codes


def test_a_ticket_opened_on_one_replica_is_seen_on_the_other(replicas: Replicas) -> None:
    first, second = replicas.urls
    headers = {"Authorization": f"Bearer {replicas.admin_key}"}
    opened = httpx.post(f"{first}/api/staff/tickets", headers=headers, timeout=10, json={
        "question": "副本测试：电话咨询科技特派员", "company": "武汉副本科技有限公司",
        "phone": "13900001111", "district": "江夏区"})
    assert opened.status_code == 201, opened.text
    ticket_id = opened.json()["ticket_id"]
    seen = httpx.get(f"{second}/api/staff/tickets/{ticket_id}", headers=headers, timeout=10)
    assert seen.status_code == 200 and seen.json()["district"] == "江夏区"


def test_a_document_published_on_one_replica_is_answered_by_the_other(
        replicas: Replicas) -> None:
    first, second = replicas.urls
    headers = {"Authorization": f"Bearer {replicas.admin_key}"}
    text = (f"第一条 {FACT}，按装备购置费用的20%给予补贴。\n"
            "第二条 申请时间为2026年5月1日至6月30日，通过武汉市政务服务平台提交申请。\n")
    uploaded = httpx.post(f"{first}/api/admin/knowledge/documents/upload", headers=headers,
                          timeout=60, json={
                              "filename": "深海探测补贴.txt", "doc_number": "武科规〔2026〕9号",
                              "issuer": "武汉市科学技术局", "source": "副本测试文件（测试）",
                              "content_base64": base64.b64encode(text.encode()).decode()})
    assert uploaded.status_code == 201, uploaded.text
    doc_id = uploaded.json()["id"]
    for move in ("submit", "publish"):
        moved = httpx.post(f"{first}/api/admin/knowledge/documents/{doc_id}/transitions",
                           headers=headers, json={"move": move}, timeout=30)
        assert moved.status_code == 200, moved.text
    deadline = time.monotonic() + 180
    answer: dict[str, Any] = {}
    while time.monotonic() < deadline:  # replica 2 swaps to the build replica 1 published
        answer = _chat(second, _session(second), QUESTION).json()
        citations = (answer.get("answer") or {}).get("citations") or []
        if citations and citations[0]["doc_id"] == doc_id:
            break
        time.sleep(1)
    else:
        pytest.fail(f"the other replica never answered from the new document: {answer}")
    assert "150万元" in " ".join(r["text"] for r in answer["replies"])


def test_a_bounded_burst_over_both_replicas_gets_no_error(replicas: Replicas) -> None:
    questions = ["高企认定需要哪些材料", "孵化器怎么认定", "光谷的企业找谁", "科技特派员有哪些服务",
                 "外国人工作许可在哪里办", "好差评怎么评", "成果转化有什么支持", "可以预约窗口吗"]

    def turn(n: int) -> int:
        url = replicas.urls[n % 2]
        return _chat(url, _session(url), questions[n % len(questions)]).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(turn, range(48)))
    assert codes == [200] * 48, codes


def test_the_load_generator_is_bounded_and_local(replicas: Replicas) -> None:
    import asyncio

    from bench.load import closed_loop, open_loop, unique_texts

    texts = unique_texts(["高企认定需要哪些材料", "孵化器怎么认定"])
    first = [next(texts) for _ in range(6)]
    assert len(set(first)) == 6  # never the same question twice
    # this topology allows CHAT_LIMIT turns per conversation and minute, counted across both
    # replicas: whatever is sent beyond them is refused (and counted as an error here)
    closed = asyncio.run(closed_loop(replicas.urls, ["高企认定需要哪些材料"], clients=4,
                                     seconds=2))
    assert closed.turns - closed.errors == 4 * CHAT_LIMIT and closed.seconds < 30
    opened = asyncio.run(open_loop(replicas.urls, ["孵化器怎么认定"], rate=10, seconds=2,
                                   conversations=4))
    assert opened.turns == 20 and len(opened.latencies_ms) == 20  # bounded: rate × seconds
    assert opened.turns - opened.errors == 4 * CHAT_LIMIT
    with pytest.raises(ValueError, match="127.0.0.1 only"):
        asyncio.run(closed_loop(["http://example.org"], ["x"], clients=1, seconds=1))
