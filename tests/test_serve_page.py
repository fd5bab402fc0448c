"""The page of ``audiobook serve`` in headless Chromium (Debian's, driven by Playwright): drop the sample
book, choose chapters and a voice, check SSML as it is typed, start, wait, download, and read the
chapter table of the file. A screenshot of each state is kept in ``tests/artifacts/serve/``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api")

from audio_checks import chapters
from conftest import ROOT, SAMPLES
from servekit import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts" / "serve"
BOOK = SAMPLES / "three-chapters.md"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("serve-page")
    srv = Server(root / "data", "--cache-dir", str(root / "clips"), "--rate", "0").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def page(server: Server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 900, "height": 1400}, accept_downloads=True)
        page = context.new_page()
        page.goto(server.url + "/")
        yield page
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_every_control_is_labelled_and_reached_by_keyboard(page) -> None:
    page.wait_for_selector("#voice option", state="attached")
    shot(page, "01-empty")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button, audio')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
            .map(el => el.id || el.outerHTML.slice(0, 60))"""
    )
    assert unlabelled == []
    reached = set()
    page.focus("body")
    for _ in range(30):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.id"))
    assert {"file", "voice", "preview", "speed", "format", "loudness", "acx", "ssml", "play"} <= reached
    assert page.evaluate("document.documentElement.lang") == "en"


def test_the_ssml_box_shows_problems_while_typing(page) -> None:
    box = page.locator("#ssml")
    box.fill("<speak>\nWait <break time='2 hours'/> here.</speak>")
    page.wait_for_selector("#ssml-problems .bad")
    assert page.locator("#ssml-problems .bad").first.text_content().startswith("2:6: ")
    shot(page, "02-ssml-problem")
    box.fill("<speak>Wait <break time='500ms'/> here.</speak>")
    page.wait_for_selector("#ssml-problems .ok")


@pytest.mark.slow
def test_a_book_from_drop_to_download(page, server: Server, tmp_path: Path) -> None:
    page.set_input_files("#file", str(BOOK))
    page.wait_for_selector("#chapter-list li")
    items = page.locator("#chapter-list label")
    assert items.count() == 3 and "The Visitor" in items.nth(1).text_content()
    assert "words)" in items.nth(0).text_content()
    page.uncheck("#chapter-2")  # read the first and the last chapter only
    page.select_option("#voice", "bf_emma")
    page.select_option("#format", "mp3")
    shot(page, "03-book-chosen")
    page.click("#start")
    page.wait_for_selector("#jobs li[data-state=running] progress, #jobs li[data-state=done]")
    shot(page, "04-running")
    page.wait_for_selector("#jobs li[data-state=done]", timeout=400_000)
    shot(page, "05-done")
    with page.expect_download() as download:
        page.click("text=Download the audiobook")
    path = tmp_path / "book.mp3"
    download.value.save_as(path)
    assert download.value.suggested_filename == "three-chapters.mp3"
    assert [title for title, _ in chapters(path)] == ["The Storm", "The Morning"]
    # Coming back later: the job is still there, with its download.
    page.reload()
    page.wait_for_selector("#jobs li[data-state=done] >> text=Download the audiobook")
    shot(page, "06-later")
