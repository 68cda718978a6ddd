"""Shared fixtures.

LanguageTool: ONE real server for the whole test session, shared by every test file.

* ``lt_url``     (session) the base URL of a LanguageTool server: ``$MTQA_LT_URL`` when set,
                 else the URL of ``lt_server``.
* ``lt_backend`` (session) a :class:`mtqa.checks.languagetool.LanguageToolBackend` (en-US, default
                 options) on ``lt_url``.  Shared: do not change its attributes; build your
                 own ``LanguageToolBackend(lt_url, ...)`` for other options (it is cheap).
* ``lt_server``  (session) the local :class:`mtqa.checks.languagetool.LanguageToolServer`, started
                 on first use and stopped at the end of the session.  When its jars are
                 missing and Maven is there, scripts/fetch_languagetool.sh is run once.

Tests using any of them are marked ``languagetool`` automatically, so
``pytest -m "not languagetool"`` runs everything else.  When the server cannot be had, the
tests that need it fail (the fixture's error, once, with the one-line reason): a missing
LanguageTool is a broken setup, not a pass.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LT_FIXTURES = frozenset({"lt_server", "lt_url", "lt_backend"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if LT_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.languagetool)


def _ensure_lt_jars() -> None:
    """Fetch the jars (idempotent script) when none are found and this is possible."""
    from mtqa.errors import ToolError
    from mtqa.checks.languagetool.server import find_lt_home

    try:
        find_lt_home()
        return
    except ToolError:
        if os.environ.get("MTQA_LT_HOME") or not shutil.which("mvn"):
            raise
    subprocess.run(
        ["bash", str(REPO / "scripts" / "fetch_languagetool.sh")],
        check=False,
        timeout=1200,
        stdin=subprocess.DEVNULL,
    )
    find_lt_home()  # ToolError again when the fetch did not help


@pytest.fixture(scope="session")
def lt_server():
    from mtqa.errors import ToolError
    from mtqa.checks.languagetool import LanguageToolServer

    server = LanguageToolServer()
    try:
        _ensure_lt_jars()
        server.start()
    except ToolError as exc:
        server.stop()
        pytest.fail(f"LanguageTool server unavailable: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lt_url(request) -> str:
    env = os.environ.get("MTQA_LT_URL")
    if env:
        return env
    return request.getfixturevalue("lt_server").url


@pytest.fixture(scope="session")
def lt_backend(lt_url):
    from mtqa.errors import ToolError
    from mtqa.checks.languagetool import LanguageToolBackend

    try:
        backend = LanguageToolBackend(lt_url)
    except ToolError as exc:
        pytest.fail(f"LanguageTool backend unavailable: {exc}", pytrace=False)
    with backend:
        yield backend


CHROMEDRIVER = "/usr/bin/chromedriver"


def headless_chrome(width: int, height: int):
    """A headless Chromium (Debian's, scripts/install_browser.sh) with the console log
    captured; skips the test where it is not installed, fails under CI."""
    if shutil.which("chromium") is None or not os.path.exists(CHROMEDRIVER):
        msg = "chromium / chromedriver not installed (run scripts/install_browser.sh as root)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
