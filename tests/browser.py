"""Headless Chromium for the browser tests, driven by Playwright (the `browser` extra) on the
Chromium the machine has (Debian's `chromium`, which .ci/run installs): Playwright's own browser
download is never needed.

A page's errors are what it logs as an error or a warning, its uncaught exceptions, and the browser's
own messages about it (a blocked fetch, a Content-Security-Policy violation), which Playwright
reports as console messages too.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Error, Playwright

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
SCREENSHOTS = "ARCHCALC_SCREENSHOTS"  # a folder every screenshot is also copied to (.ci/run sets it)


def browser_path() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


class Browser:
    """One headless Chromium with one page."""

    def __init__(self, width: int = 1280, height: int = 900) -> None:
        from playwright.sync_api import sync_playwright  # lazy: the browser extra, only for `pytest -m browser`

        path = browser_path()
        if path is None:
            raise RuntimeError(f"no Chromium found ({', '.join(BROWSERS)}); .ci/run installs Debian's chromium")
        self._playwright: Playwright = sync_playwright().start()
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
        self._browser = self._playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        self.page = self._browser.new_page(viewport={"width": width, "height": height})
        self._errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", self._exception)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning", "assert"):
            self._errors.append(f"console.{message.type}: {message.text} ({message.location.get('url', '')})")

    def _exception(self, error: Error) -> None:
        self._errors.append(f"exception: {error}")

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._browser.close()
        self._playwright.stop()

    def open(self, path: Path, timeout: float = 60) -> float:
        """Open a file and wait for its load event; the seconds it took."""
        self._errors.clear()
        start = time.monotonic()
        self.page.goto(path.resolve().as_uri(), wait_until="load", timeout=timeout * 1000)
        return time.monotonic() - start

    def evaluate(self, expression: str) -> Any:
        """A JavaScript expression's value in the page (run over the DevTools protocol, which the
        page's Content-Security-Policy does not govern)."""
        return self.page.evaluate(expression)

    def prefer_color_scheme(self, scheme: Literal["light", "dark", "no-preference"] | None) -> None:
        self.page.emulate_media(color_scheme=scheme)

    def errors(self) -> list[str]:
        """What the page logged as an error or a warning since it was opened."""
        self.page.evaluate("0")  # lets the messages so far arrive
        return list(self._errors)

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """A PNG of the page, at `path` and, when ARCHCALC_SCREENSHOTS names a folder, there too,
        so that a CI run keeps them beside its output."""
        self.page.screenshot(path=path, full_page=full_page)
        if folder := os.environ.get(SCREENSHOTS):
            Path(folder).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(folder) / path.name)
            print(f"screenshot: {Path(folder) / path.name}")
        return path
