"""Fixtures for the real-browser tests: one ``streamlit run`` server and one headless chromium for
the browser tests (closed before the other tests run), and a fresh browser context (a new student) for every test.

Where chromium or playwright is missing the tests skip, saying why; under CI (``CI`` set) they
fail instead, because ``.ci/run`` installs both.
"""
from __future__ import annotations

import os

import pytest
from .harness import Server, launch, missing, new_lab

@pytest.fixture(scope="package")
def browser():
    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(f"browser tests need chromium and playwright: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def server(browser):
    server = Server().start()
    yield server
    server.stop()


@pytest.fixture
def lab(browser, server):
    student = new_lab(browser, server.url)
    yield student
    student.page.context.close()
