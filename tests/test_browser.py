"""Reports opened in a real browser: headless Chromium (Debian's `chromium`, which .ci/run installs),
driven by Playwright (tests/browser.py; `pip install '.[browser]'`). Marked `browser`, left out of the
default run as `parity` is: `pytest -m browser`.

Each test saves its screenshots in its own output folder (pytest's tmp_path, kept by pytest for its
last three runs), named after what they show; with ARCHCALC_SCREENSHOTS set to a folder, as .ci/run
sets it, they are copied there too and their paths printed (`-rP` shows them).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from typer.testing import CliRunner

from archcalc.app import app
from tests.browser import Browser, browser_path
from tests.test_pictures import HOSTILE_NAME, hostile_spec

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser_path() is None, reason="no Chromium here: apt-get install chromium (as .ci/run does)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="no Playwright here: pip install '.[browser]' (as .ci/run does)"),
]

ROOT = Path(__file__).resolve().parent.parent
OPENS_WITHIN = 5.0  # seconds, from navigation to the load event


def write_report(path: Path, *arguments: str | Path) -> Path:
    result = CliRunner().invoke(app, ["report", *(str(argument) for argument in arguments)])
    assert result.exit_code == 0, result.stderr
    path.write_text(result.stdout, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as opened:
        yield opened


def test_the_zoo_report_renders_without_errors_and_its_blocks_open(browser: Browser, tmp_path: Path) -> None:
    page = write_report(tmp_path / "zoo.html", str(ROOT / "archspecs" / "zoo" / "torchvision" / "*.yaml"))
    seconds = browser.open(page)
    assert browser.errors() == []
    assert browser.evaluate("document.querySelectorAll('section').length") == 1 + len(list((ROOT / "archspecs" / "zoo" / "torchvision").glob("*.yaml")))
    assert browser.evaluate("document.querySelectorAll('svg').length") >= 2
    browser.screenshot(tmp_path / "zoo-top.png")
    # The first folded block: what it holds is not shown until it is opened, then it is.
    assert browser.evaluate("document.querySelector('.tree details').children[1].checkVisibility()") is False
    opened = browser.evaluate(
        "(() => { const d = document.querySelector('.tree details'); d.open = true; d.scrollIntoView();"
        " return [d.children[1].checkVisibility(), d.children[1].textContent]; })()"
    )
    assert opened[0] is True and opened[1].strip().startswith("#")
    browser.screenshot(tmp_path / "zoo-block-opened.png")
    print(f"zoo report: {page.stat().st_size:,} bytes, loaded in {seconds:.2f} s; screenshots in {tmp_path}")


def test_the_dark_theme_follows_the_reader(browser: Browser, tmp_path: Path) -> None:
    page = write_report(tmp_path / "seed.html", ROOT / "archspecs" / "seed" / "ann.yaml", ROOT / "archspecs" / "seed" / "cnn.yaml")
    backgrounds = {}
    schemes: tuple[Literal["light"], Literal["dark"]] = ("light", "dark")
    for scheme in schemes:
        browser.prefer_color_scheme(scheme)
        browser.open(page)
        backgrounds[scheme] = browser.evaluate("getComputedStyle(document.body).backgroundColor")
        browser.screenshot(tmp_path / f"seed-{scheme}.png")
    browser.prefer_color_scheme(None)
    assert backgrounds == {"light": "rgb(255, 255, 255)", "dark": "rgb(20, 24, 29)"}
    assert browser.errors() == []


def test_a_hostile_name_is_text_in_the_browser(browser: Browser, tmp_path: Path) -> None:
    page = write_report(tmp_path / "hostile.html", hostile_spec(tmp_path))
    browser.open(page)
    assert browser.errors() == []
    assert browser.evaluate("document.scripts.length") == 0
    assert HOSTILE_NAME in browser.evaluate("document.body.innerText")
    browser.screenshot(tmp_path / "hostile.png")


@pytest.mark.parametrize("layers", ["alike", "alternating"])
def test_a_hundred_thousand_layers_open_within_five_seconds(layers: str, browser: Browser, tmp_path: Path) -> None:
    spec = tmp_path / f"{layers}.yaml"
    if layers == "alike":
        spec.write_text("input: 32x32x16\nlayers:\n" + "  - conv: {filters: 16, kernel: 3, padding: 1}\n" * 100_000)
    else:  # no two neighbours alike: 100,000 lines, folded by the hundred
        spec.write_text("input: 8x8x4\nlayers:\n" + "  - conv: {filters: 4, kernel: 3, padding: 1}\n  - relu\n" * 50_000)
    page = write_report(tmp_path / f"{layers}.html", spec)
    seconds = browser.open(page)
    assert browser.errors() == []
    browser.screenshot(tmp_path / f"{layers}.png")
    print(f"{layers}: {page.stat().st_size:,} bytes of HTML, loaded in {seconds:.2f} s")
    assert seconds < OPENS_WITHIN


def test_the_error_check_sees_what_a_content_security_policy_blocks(browser: Browser, tmp_path: Path) -> None:
    """The check the reports pass must be able to fail: a page whose policy blocks its own script and
    image, and one that throws, are caught."""
    blocked = tmp_path / "blocked.html"
    blocked.write_text(
        "<!doctype html><meta http-equiv='Content-Security-Policy' content=\"default-src 'none'\">"
        "<script>document.title = 'ran'</script><img src='https://example.invalid/x.png'>",
        encoding="utf-8",
    )
    browser.open(blocked)
    errors = browser.errors()
    assert any("Content Security Policy" in error for error in errors), errors
    assert browser.evaluate("document.title") != "ran"
    throwing = tmp_path / "throwing.html"
    throwing.write_text("<!doctype html><script>throw new Error('planted')</script>", encoding="utf-8")
    browser.open(throwing)
    assert any("planted" in error for error in browser.errors())
