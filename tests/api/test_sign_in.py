"""Staff sign in with a password for the consoles: argon2id, HttpOnly cookie, CSRF header,
logout, password change, attempts limited (OWASP API2)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.auth import CSRF_HEADER, SESSION_COOKIE
from hotline.security.accounts import create_staff
from hotline.security.passwords import WeakPassword
from hotline.security.throttle import Throttle
from hotline.tickets.models import StaffUser

PASSWORD = "汉口江滩-春天来了-2026"


@pytest.fixture
def account(runtime: Any) -> str:
    name = f"坐席-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name)
    runtime.logins.set_password(name, PASSWORD)
    return name


@pytest.fixture
def browser(runtime: Any) -> Iterator[TestClient]:
    """A client of its own, so its cookie jar is nobody else's."""
    from api.main import create_app

    with TestClient(create_app(runtime=runtime)) as client:
        yield client


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post("/api/auth/login", json={"name": name, "password": password})


def test_passwords_are_stored_as_argon2id_and_must_be_strong(runtime: Any, account: str) -> None:
    with runtime.sessions() as session:
        stored = session.scalar(select(StaffUser.password_hash).where(StaffUser.name == account))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    for weak in ("short", "aaaaaaaaaaaaaaaa", f"{account}-123456789"):
        with pytest.raises(WeakPassword):
            runtime.logins.set_password(account, weak)


def test_wrong_name_or_password_get_the_same_401(browser: TestClient, account: str,
                                                 runtime: Any) -> None:
    wrong = login(browser, account, "不是这个密码-123456")
    nobody = login(browser, f"没有这个人-{uuid.uuid4().hex[:4]}")
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["message"] == nobody.json()["message"]
    no_password = f"无密码-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, no_password)  # an API-key-only account
    assert login(browser, no_password, PASSWORD).status_code == 401
    assert SESSION_COOKIE not in browser.cookies


def test_the_session_cookie_signs_in_and_changes_need_the_csrf_header(
        browser: TestClient, account: str) -> None:
    response = login(browser, account)
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    body = response.json()
    assert body["name"] == account and body["role"] == "staff" and body["csrf_token"]
    assert browser.get("/api/auth/me").json()["name"] == account
    assert browser.get("/api/staff/tickets").status_code == 200
    phone_ticket = {"question": "来电咨询：研发费用加计扣除", "phone": "13800004444"}
    forged = browser.post("/api/staff/tickets", json=phone_ticket)  # a cross-site form post
    assert forged.status_code == 403 and CSRF_HEADER in forged.json()["message"]
    wrong = browser.post("/api/staff/tickets", json=phone_ticket, headers={CSRF_HEADER: "x"})
    assert wrong.status_code == 403
    made = browser.post("/api/staff/tickets", json=phone_ticket,
                        headers={CSRF_HEADER: body["csrf_token"]})
    assert made.status_code == 201 and made.json()["first_owner"] == account


def test_logout_ends_the_session(browser: TestClient, account: str) -> None:
    login(browser, account)
    token = browser.cookies[SESSION_COOKIE]
    assert browser.post("/api/auth/logout").status_code == 204
    browser.cookies.set(SESSION_COOKIE, token)  # a copy of the old cookie opens nothing
    assert browser.get("/api/auth/me").status_code == 401


def test_a_password_change_ends_every_session(runtime: Any, account: str) -> None:
    from api.main import create_app

    with TestClient(create_app(runtime=runtime)) as laptop, \
            TestClient(create_app(runtime=runtime)) as desk:
        csrf = login(laptop, account).json()["csrf_token"]
        login(desk, account)
        change = {"old_password": "不对的旧密码-0000", "new_password": "新的密码-长江大桥-2027"}
        assert laptop.post("/api/auth/password", json=change,
                           headers={CSRF_HEADER: csrf}).status_code == 403
        weak = {"old_password": PASSWORD, "new_password": "123"}
        assert laptop.post("/api/auth/password", json=weak,
                           headers={CSRF_HEADER: csrf}).status_code == 422
        done = laptop.post("/api/auth/password", headers={CSRF_HEADER: csrf},
                           json={"old_password": PASSWORD, "new_password": "新的密码-长江大桥-2027"})
        assert done.status_code == 204
        assert desk.get("/api/auth/me").status_code == 401
        assert login(desk, account).status_code == 401
        assert login(desk, account, "新的密码-长江大桥-2027").status_code == 200


def test_sign_in_attempts_are_limited(browser: TestClient, account: str, runtime: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "throttle", Throttle())
    codes = [login(browser, account, f"猜一猜-{n:08d}").status_code for n in range(6)]
    assert codes == [401] * 5 + [429]  # 5 per quarter-hour per name
    assert login(browser, account).status_code == 429  # even the right one, for now


def test_an_editor_sees_the_problem_list_but_no_ticket(browser: TestClient, runtime: Any) -> None:
    name = f"编辑-{uuid.uuid4().hex[:6]}"
    create_staff(runtime.sessions, name, role="editor")
    runtime.logins.set_password(name, PASSWORD)
    assert login(browser, name).json()["role"] == "editor"
    assert browser.get("/api/staff/problems").status_code == 200
    assert browser.get("/api/staff/tickets").status_code == 403
    assert browser.get("/api/staff/rectifications").status_code == 403


def test_the_cli_sets_a_password_from_stdin(runtime: Any, account: str, test_settings: Any,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from api import manage

    monkeypatch.setattr(manage, "get_settings", lambda: test_settings)
    monkeypatch.setattr("sys.stdin", io.StringIO("另一个-足够长的密码-99\n"))
    assert manage.main(["set-password", account]) == 0
    assert "password set" in capsys.readouterr().out
    assert runtime.logins.login(account, "另一个-足够长的密码-99").member.name == account
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert manage.main(["set-password", account]) == 2
