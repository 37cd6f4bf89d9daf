"""The report page (issue 16) in a real browser: headless Debian Chromium, network disabled.

The browser is driven through the Chrome DevTools Protocol over a pipe (--remote-debugging-pipe:
file descriptors 3 and 4 of the browser), so the test needs no client library and opens no
port; a dozen lines below speak the protocol. `make browser` (a dependency of `make test`)
installs Debian's chromium where it is missing.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from archrarity import PROJECT_DIR
from conftest import query, run_build

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_DIR / "target"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    # no name resolves and every connection goes to a closed local port: nothing can leave
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--remote-debugging-pipe",
]


class BrowserError(RuntimeError):
    pass


@dataclass
class Browser:
    """Headless Chromium with one page, spoken to over the DevTools pipe."""

    process: subprocess.Popen[bytes]
    to_browser: int
    from_browser: int
    session: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    _buffer: bytes = b""
    _next_id: int = 0

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError("timed out waiting for the browser")
            ready, _, _ = select.select([self.from_browser], [], [], remaining)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    raise BrowserError("the browser closed its pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30, **where: str) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and where.get("session", "page") == "page":
            message["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for seen in self.events:
            if seen.get("method") == event:
                return seen
        while True:
            message = self._read_message(deadline)
            self.events.append(message)
            if message.get("method") == event:
                return message

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, page: Path, width: int = 1400, height: int = 1000) -> None:
        """Load `page` with the network emulated offline and wait until it has loaded."""
        self.events.clear()
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.navigate", {"url": page.as_uri()})
        self.wait_for("Page.loadEventFired")

    def requests(self) -> list[str]:
        return [
            event["params"]["request"]["url"]
            for event in self.events
            if event.get("method") == "Network.requestWillBeSent"
        ]

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            if event.get("method") == "Runtime.exceptionThrown":
                found.append(json.dumps(event["params"]["exceptionDetails"])[:500])
            if event.get("method") == "Log.entryAdded" and event["params"]["entry"]["level"] == "error":
                found.append(event["params"]["entry"]["text"])
            if event.get("method") == "Runtime.consoleAPICalled" and event["params"]["type"] == "error":
                found.append(json.dumps(event["params"]["args"])[:500])
        return found

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": metrics["width"],
                "height": min(metrics["height"], 16000),
                "scale": 1,
            }
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (Debian's chromium package, as root)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    to_read, to_browser = os.pipe()  # we write, the browser reads on its fd 3
    from_browser, to_write = os.pipe()  # the browser writes on its fd 4, we read
    # The pipes go in as the shell's stdin and stdout, which it moves to fds 3 and 4 before it
    # runs the browser (no preexec_fn: not safe with threads).
    process = subprocess.Popen(
        [
            "/bin/sh",
            "-c",
            'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null',
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdin=to_read,
        stdout=to_write,
        stderr=subprocess.DEVNULL,
    )
    os.close(to_read)
    os.close(to_write)
    browser = Browser(process, to_browser, from_browser)
    try:
        targets = browser.send("Target.getTargets", session="browser")["targetInfos"]
        page = next((target for target in targets if target["type"] == "page"), None)
        target_id = (
            page["targetId"] if page else browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        )
        browser.session = browser.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        yield browser
    finally:
        with contextlib.suppress(BrowserError, OSError):
            browser.send("Browser.close", session="browser", timeout=5)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        os.close(to_browser)
        os.close(from_browser)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`archrarity build` of the shipped catalog: (database, reports directory)."""
    work = tmp_path_factory.mktemp("page-shipped")
    db = work / "published.duckdb"
    build = run_build(db, work)
    assert build.returncode == 0, build.output[-5000:]
    return db, work / "reports"


def selected_ids(db: Path) -> set[tuple[str, str]]:
    """(method, model_id) of every pick: selection_picks, or model_selection before it existed."""
    tables = {row[0] for row in query(db, "select table_name from duckdb_tables()")}
    if "selection_picks" in tables:
        return set(query(db, "select selection_method, model_id from selection_picks"))
    return {("top_n", row[0]) for row in query(db, "select model_id from model_selection")}


# (method, model_id) of every model_id rendered visible in a method's box of the decision
VISIBLE_IDS_JS = """
[...document.querySelectorAll('#decision .method code.model-id')]
    .filter(element => element.checkVisibility({opacityProperty: true, visibilityProperty: true})
        && element.getBoundingClientRect().width > 0)
    .map(element => [element.closest('.method').dataset.method, element.textContent])
"""
CATALOG_IDS_JS = "[...document.querySelectorAll('#catalog-table tbody tr')].map(row => row.dataset.modelId)"


def set_filter(browser: Browser, selector: str, value: str, event: str) -> None:
    browser.evaluate(
        f"(() => {{ const element = document.querySelector({json.dumps(selector)}); "
        f"element.value = {json.dumps(value)}; element.dispatchEvent(new Event({json.dumps(event)})); }})()"
    )


def test_page_of_the_shipped_catalog_in_a_browser(browser: Browser, shipped: tuple[Path, Path]) -> None:
    db, reports = shipped
    page = reports / "index.html"
    browser.open(page, width=1600, height=1150)
    browser.screenshot(SCREENSHOTS / "page-screenshot.png")
    browser.screenshot(SCREENSHOTS / "page-full.png", full_page=True)

    # every selected model is on the page and visible (rendered, not just in the HTML text)
    expected = selected_ids(db)
    assert len(expected) >= 10
    visible = {tuple(pair) for pair in browser.evaluate(VISIBLE_IDS_JS)}
    assert expected <= visible, f"not visible: {sorted(expected - visible)}"

    # the catalog table: every scored model (126 rows, fewer than the page's cap), then filters
    scored = query(db, "select count(*) from rarity_scores")[0][0]
    assert len(browser.evaluate(CATALOG_IDS_JS)) == scored
    in_70b = {row[0] for row in query(db, "select model_id from rarity_scores where size_category = '~70B'")}
    set_filter(browser, "select[data-column=size_category]", "~70B", "change")
    assert set(browser.evaluate(CATALOG_IDS_JS)) == in_70b
    assert browser.evaluate("document.getElementById('catalog-count').textContent") == (
        f"Showing {len(in_70b)} of {scored} rows on this page."
    )
    # text search narrows further: ~70B models whose id, name or family mentions "falcon"
    falcon_70b = {
        row[0]
        for row in query(
            db,
            "select model_id from rarity_scores where size_category = '~70B' "
            "and (model_id || ' ' || model_name || ' ' || family) ilike '%falcon%'",
        )
    }
    assert 0 < len(falcon_70b) < len(in_70b)
    set_filter(browser, "#filter-text", "FALCON", "input")
    assert set(browser.evaluate(CATALOG_IDS_JS)) == falcon_70b
    set_filter(browser, "#filter-text", "", "input")
    set_filter(browser, "select[data-column=size_category]", "", "change")

    # sorting by rarity_score: a click sorts descending (rarest first), a second ascending
    scores = dict(query(db, "select model_id, rarity_score from rarity_scores"))
    header = "document.querySelector('#catalog-table th[data-column=rarity_score]')"
    browser.evaluate(f"{header}.click()")
    shown = [scores[model_id] for model_id in browser.evaluate(CATALOG_IDS_JS)]
    assert shown == sorted(scores.values(), reverse=True)
    browser.evaluate(f"{header}.click()")
    shown = [scores[model_id] for model_id in browser.evaluate(CATALOG_IDS_JS)]
    assert shown == sorted(scores.values())
    assert browser.evaluate(f"{header}.getAttribute('aria-sort')") == "ascending"

    # a source link goes to the model's repo
    first_link = browser.evaluate("document.querySelector('#catalog-table a')?.href")
    assert first_link and first_link.startswith("https://")

    # hovering a bar shows the model's traits and weights (the SVG title is the tooltip)
    top = max(scores, key=lambda model_id: scores[model_id])
    tooltip = browser.evaluate(f"document.querySelector('svg.chart g.bar[data-model-id=\"{top}\"] title').textContent")
    assert tooltip.startswith(top) and "attention:" in tooltip and "weight" in tooltip

    # nothing but the page itself was requested; no script error, no refused (CSP) script
    assert browser.requests() == [page.as_uri()]
    assert browser.errors() == []


def test_the_checks_see_a_request_and_a_script_the_page_did_not_pin(
    browser: Browser, shipped: tuple[Path, Path], tmp_path: Path
) -> None:
    # The checks above can fail: the same page with one remote image and one script of its own
    # shows the request, and the browser refuses the script (its hash is not in the policy).
    _, reports = shipped
    html = (reports / "index.html").read_text(encoding="utf-8")
    injected = '<img src="https://example.invalid/pixel.png" alt=""><script>document.title = "injected";</script>'
    leaky = tmp_path / "leaky.html"
    leaky.write_text(html.replace("<main>", "<main>" + injected, 1), encoding="utf-8")
    browser.open(leaky)
    assert "https://example.invalid/pixel.png" in browser.requests()
    assert browser.evaluate("document.title") != "injected"
    assert any("Content Security Policy" in error for error in browser.errors())
    assert len(browser.evaluate(CATALOG_IDS_JS)) > 0  # the pinned script still ran


def test_page_holds_one_inline_script_pinned_by_its_hash(shipped: tuple[Path, Path]) -> None:
    from archrarity.report.page import asset, csp_hash

    html = (shipped[1] / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    executable = [body for attributes, body in scripts if "application/json" not in attributes]
    assert executable == [asset("page.js")]
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(http", html)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1)
    assert f"script-src {csp_hash(asset('page.js'))};" in policy.group(1)


def test_page_with_the_coverage_selection_ffn_and_extra_features(browser: Browser, tmp_path: Path) -> None:
    # model_selection holds the coverage picks; ffn and two extra features are scored and are traits
    db = tmp_path / "published.duckdb"
    settings = {
        "selection_method": "coverage",
        "moe_as_attention": False,
        "extra_features": ["qk_norm", "attention_window"],
    }
    build = run_build(db, tmp_path, settings)
    assert build.returncode == 0, build.output[-5000:]
    assert "(coverage selection):" in build.output and "trait share: top_n" in build.output
    page = tmp_path / "reports" / "index.html"
    browser.open(page)
    assert selected_ids(db) <= {tuple(pair) for pair in browser.evaluate(VISIBLE_IDS_JS)}
    badge = "document.querySelector('.method .badge').closest('.method').dataset.method"
    assert browser.evaluate(badge) == "coverage"
    headers = browser.evaluate(
        "[...document.querySelector('#decision table.picks thead').querySelectorAll('th')].map(th => th.textContent)"
    )
    assert headers[3:] == ["attention", "activation", "norm", "ffn", "attention_window", "qk_norm", "context"]
    features = set(
        browser.evaluate(
            "[...document.querySelectorAll('#traits table.heat tbody td:first-child')].map(td => td.textContent)"
        )
    )
    assert features == {"attention", "activation", "norm", "ffn", "attention_window", "qk_norm", "context_band"}
    assert browser.requests() == [page.as_uri()]
    assert browser.errors() == []
