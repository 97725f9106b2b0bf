"""The dashboard in a real headless Chromium (Debian's ``chromium``, driven by Playwright)
against ``matcher serve`` on loopback: login, the charts render (checked on a screenshot), the
20-day list shows overdue families in red, a seeker's recommendations with reasons."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from matcher.generator import Scale, generate_province
from matcher.runs import run_week
from matcher.storage import make_engine, upgrade
from matcher.storage.keys import create_key
from matcher.storage.upsert import upsert_tables

CHROMIUM = os.environ.get("MATCHER_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
TINY = Scale(
    "tiny", ("2101", "2102"), 420, 140, 40, 8, 24, 4, 8, 20, 4, 6, 90, 40, 10, 300, 60
)  # fmt: skip
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--headless",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
]

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
    reason=f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}; apt-get install -y chromium",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        upsert_tables(connection, generate_province(TINY, seed=7).tables)
    for city in ("2101", "2102"):
        run_week(engine, city, "2009-W12")
    key = create_key(engine, "province")
    engine.dispose()
    port = _free_port()
    log = tmp_path_factory.mktemp("e2e-log") / "serve.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "matcher", "serve", "--port", str(port), "--db", url],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                error = log.read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"matcher serve did not start: {error[-2000:]}")
            time.sleep(0.3)
        yield base, key
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _blue_pixels(png: bytes) -> int:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int64)
    # The bars' fill (#2f6fb0) and the tier chart's (#c8702a), allowing for anti-aliasing.
    count = 0
    for target in ((0x2F, 0x6F, 0xB0), (0xC8, 0x70, 0x2A)):
        count += int((np.abs(pixels - np.array(target)).sum(axis=2) < 30).sum())
    return count


def test_dashboard_in_chromium(server: tuple[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    base, key = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(f"{base}/dashboard")
            assert page.url.endswith("/dashboard/login")
            page.fill("input[name=key]", "mk_wrong_key")
            page.click("button[type=submit]")
            assert page.locator(".error").is_visible()
            page.fill("input[name=key]", key)
            page.click("button[type=submit]")
            page.wait_for_selector("#chart-cities")
            assert page.url.endswith("/dashboard")

            # Runs of both cities with their status.
            assert page.locator("#runs tbody tr").count() == 2
            assert page.locator("#runs .status-succeeded").count() == 2

            # The charts render: bars with width, and coloured on the screenshot.
            # Every city, in official order; those without a run this week say so.
            bars = page.locator("#chart-cities rect.bar")
            assert bars.count() == 14
            assert "本周未运行 no run" in page.locator("#chart-cities").inner_html()
            widths = [bars.nth(i).bounding_box()["width"] for i in range(bars.count())]  # type: ignore[index]
            assert max(widths) > 0
            assert page.locator("#chart-tiers rect.bar").count() >= 1
            shot = page.locator("#fill-rates").screenshot(path=str(tmp_path / "charts.png"))
            assert _blue_pixels(shot) > 500

            # Overdue families are red.
            overdue = page.locator("#families tr.overdue")
            if overdue.count():
                color = overdue.first.locator("td").first.evaluate(
                    "cell => getComputedStyle(cell).backgroundColor"
                )
                assert color == "rgb(253, 231, 230)"

            # A seeker's recommendations with reasons.
            page.fill("input[name=seeker_id]", "S0000001")
            page.click("section >> text=查看推荐")
            page.wait_for_selector("#recommendations")
            rows = page.locator("#recommendations tbody tr")
            assert rows.count() >= 1
            assert "相近" in rows.first.inner_text() or "岗位" in rows.first.inner_text()
            assert "*" in page.locator("#seeker").inner_text()  # masked identity number
        finally:
            browser.close()
