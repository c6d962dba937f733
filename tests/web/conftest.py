"""Fixtures for the browser tests: this module's own real stack (app + `rasa run`), and
Debian's Chromium driven by Playwright at a phone viewport.

`playwright install` cannot download a browser here; `make browser` (part of `make test`) installs Debian's
`chromium`, which Playwright launches by path.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.paths import PROJECT_ROOT
from tests.stack import Stack, running_stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}  # the consoles
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1,
                 "locale": "zh-CN"}
DESKTOP_CONTEXT = {"viewport": DESKTOP, "device_scale_factor": 1, "locale": "zh-CN"}
ARTIFACTS = PROJECT_ROOT / "var" / "test-artifacts"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (git-ignored under var/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def web_stack(runtime, test_settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    """Not shared with tests/dialogue, whose last test stops its Rasa server."""
    with running_stack(runtime, test_settings, tmp_path_factory) as running:
        yield running


@pytest.fixture(scope="module")
def registry_stack(registry_runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    """The app and Rasa over ``registry_runtime`` (its own database: registries imported
    here never reach the shared runtime, whose registries stay empty as shipped)."""
    with running_stack(registry_runtime, registry_runtime.settings, tmp_path_factory) as running:
        yield running


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright import sync_api  # a declared dev dependency: fail, never skip
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make browser` (installs Debian's chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageRecorder:
    """Every request the page makes, and every console error or uncaught exception."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        # CSP and Trusted Types violations are reported on the console; HTTP errors the
        # page handles (a 409 for a second rating) are not failures.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def foreign(self, origin: str) -> list[str]:
        """Requests to anything but ``origin``."""
        want = urlsplit(origin)[:2]
        return [url for url in self.requests if urlsplit(url)[:2] != want]


@pytest.fixture()
def phone(browser, web_stack: Stack):  # type: ignore[no-untyped-def]
    """A fresh phone-sized context (empty localStorage) and its page, with a recorder.

    After the test: no CSP violation and no script error happened.
    """
    yield from _recorded_page(browser.new_context(**PHONE_CONTEXT, base_url=web_stack.app_url))


@pytest.fixture()
def desktop(browser, web_stack: Stack):  # type: ignore[no-untyped-def]
    """A desktop-sized context and page for the consoles, with a recorder; after the test,
    no CSP violation and no script error happened."""
    yield from _recorded_page(browser.new_context(**DESKTOP_CONTEXT, base_url=web_stack.app_url))


@pytest.fixture()
def registry_desktop(browser, registry_stack: Stack):  # type: ignore[no-untyped-def]
    """A desktop page on ``registry_stack``, with a recorder (as ``desktop``)."""
    yield from _recorded_page(browser.new_context(**DESKTOP_CONTEXT,
                                                  base_url=registry_stack.app_url))


@pytest.fixture()
def registry_phone(browser, registry_stack: Stack):  # type: ignore[no-untyped-def]
    """A phone page on ``registry_stack``, with a recorder (as ``phone``)."""
    yield from _recorded_page(browser.new_context(**PHONE_CONTEXT,
                                                  base_url=registry_stack.app_url))


def _recorded_page(context):  # type: ignore[no-untyped-def]
    """A page of ``context`` with a recorder; afterwards no CSP violation or script error."""
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.recorder = PageRecorder(page)
    yield page
    errors = list(page.recorder.errors)
    context.close()
    assert not errors, errors
