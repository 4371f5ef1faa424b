"""Fixtures shared by the browser tests: a headless Chromium page at phone width."""
from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page():
    """A 390 px wide (phone) page of Debian's headless Chromium, in Chinese; skipped without chromium."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            raise RuntimeError("CI needs Debian's chromium (installed by .ci/run)")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()
