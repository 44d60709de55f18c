"""Real-browser smoke test: chapters with widgets, run live in JupyterLab in headless Chromium.

One JupyterLab on 127.0.0.1 (free port, token, private config/settings dirs) serves copies of
every chapter with a widget cell, and one Debian chromium driven by Playwright opens each in a
fresh browser context: run all cells, wait for the kernel to go idle, move a slider with the
keyboard, and check that the widget output changed and that no widget error, page error or
traceback appears; then the chapter's kernel is shut down. A screenshot is saved under
test-artifacts/. Server and browser are always stopped.

Where a chapter shows the kernel-gradient explorer (chapter 04 must), every control is driven as
a reader would: the kernel height and width (the tap sliders' maxima follow them), both taps,
each choice of delta, the padding, the stride (stride 2 adds the dilated delta panel) and the
dilation; each step must change the view, and no state may show "No picture".
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def widget_chapters():
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        if any(WIDGET_MIME in o.get("data", {}) for c in cells for o in c.get("outputs", [])):
            found.append(path)
    return found


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root: Path, home: Path, port: int, token: str):
    settings = home / "settings"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "CNNBP_FIGURES_DIR": str(home / "figures"),  # the chapters' figures, never figures/
    }
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(home / "lab.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    stop(proc)
    pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-3000:]}")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_all_and_wait(page):
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=60_000)
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    page.wait_for_selector(".widget-slider", timeout=240_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                 .every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()))""",
        timeout=240_000,
    )
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=60_000)


def wait_until(predicate, what, timeout=20.0):
    """Poll ``predicate`` until it holds; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"in the browser, {what} did not happen within {timeout:.0f} s")
        time.sleep(0.1)


class KernelExplorer:
    """Chapter 04's kernel-gradient explorer in the page, its controls found by description."""

    VIEW_MARK = "dL/dK["  # the explorer's HTML view states a dL/dK[u,v]

    def __init__(self, page):
        self.page = page
        self.view = page.locator(".widget-html").filter(has_text=self.VIEW_MARK).first

    @classmethod
    def on(cls, page):
        return page.locator("label.widget-label:text-is('tap u')").count() > 0

    def handle(self, description):
        label = self.page.locator(f"label.widget-label:text-is('{description}')")
        return self.page.locator(".widget-slider").filter(has=label).locator(".noUi-handle")

    def number(self, description, attribute):
        return round(float(self.handle(description).get_attribute(attribute)))

    def text(self):
        return self.view.inner_text()

    def press(self, description, key, times=1):
        handle = self.handle(description)
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(times):
            self.page.keyboard.press(key)

    def choose_delta(self, kind):
        label = self.page.locator("label.widget-label:text-is('δ = dL/dY')")
        select = self.page.locator(".widget-dropdown").filter(has=label).locator("select")
        select.select_option(kind)

    def step(self, what, act, shows):
        """Do ``act``; the view must change and show ``shows``, and never "No picture"."""
        before = self.text()
        act()
        wait_until(lambda: self.text() != before and shows in self.text(), what)
        assert "No picture" not in self.text(), what
        return what


def drive_kernel_explorer(page):
    """Move every kind of control of the explorer; return the steps taken."""
    ex = KernelExplorer(page)
    ex.view.scroll_into_view_if_needed()
    steps = []
    # The kernel size: the tap slider's maximum follows it (KH - 1), down to a 1-row kernel.
    kh = ex.number("kernel KH", "aria-valuenow")
    assert ex.number("tap u", "aria-valuemax") == kh - 1
    for key, times, to in (("ArrowLeft", kh - 1, 1), ("ArrowRight", 1, 2)):
        steps.append(
            ex.step(
                f"kernel KH {kh} -> {to}",
                lambda key=key, times=times: ex.press("kernel KH", key, times),
                "dL/dK[",
            )
        )
        wait_until(
            lambda to=to: (
                ex.number("kernel KH", "aria-valuenow") == to
                and ex.number("tap u", "aria-valuemax") == to - 1
            ),
            f"the tap u slider's maximum following kernel KH = {to}",
        )
        kh = to
    # Tap v, then the kernel width: tap v's maximum follows it (KW - 1).
    u = ex.number("tap u", "aria-valuenow")
    steps.append(ex.step("tap v 0 -> 1", lambda: ex.press("tap v", "ArrowRight"), f"dL/dK[{u},1]"))
    kw = ex.number("kernel KW", "aria-valuenow")
    steps.append(
        ex.step(f"kernel KW {kw} -> {kw - 1}", lambda: ex.press("kernel KW", "ArrowLeft"), "dL/dK[")
    )
    wait_until(
        lambda: ex.number("tap v", "aria-valuemax") == kw - 2,
        f"the tap v slider's maximum following kernel KW = {kw - 1}",
    )
    v = ex.number("tap v", "aria-valuenow")
    # Each choice of delta, and back.
    for kind, shows in (
        ("one-hot", "exactly the patch"),
        ("all ones", "box sum"),
        ("random", "random (fixed"),
    ):
        steps.append(ex.step(f"δ {kind}", lambda kind=kind: ex.choose_delta(kind), shows))
    # Padding (hatched zeros around X) and stride 2 (the dilated delta, and the statement).
    steps.append(
        ex.step("padding 0 -> 1", lambda: ex.press("padding p", "ArrowRight"), "zeros on each side")
    )
    steps.append(ex.step("stride 1 -> 2", lambda: ex.press("stride s", "ArrowRight"), "dilate2(δ)"))
    assert "(Xp ⋆ dilate2(δ))[" in ex.text()  # <sub> drops out of innerText
    # Dilation 2: the taps read pixels 2 apart, (u·d, v·d) in the correlation's statement.
    steps.append(
        ex.step("dilation 1 -> 2", lambda: ex.press("dilation d", "ArrowRight"), f"[{u}·2, {v}·2]")
    )
    return steps


def drive_every_slider_to_its_ends(page):
    """Press End, then Home, on every enabled slider; return what the widgets showed each time."""
    shown = []
    handles = page.locator(".widget-slider .noUi-handle")
    for i in range(handles.count()):
        handle = handles.nth(i)
        if handle.get_attribute("aria-disabled") == "true" or not handle.is_enabled():
            continue
        handle.scroll_into_view_if_needed()
        for key in ("End", "Home"):
            before = widget_output_state(page)
            handle.focus()
            page.keyboard.press(key)
            deadline = time.monotonic() + 2
            while widget_output_state(page) == before and time.monotonic() < deadline:
                time.sleep(0.1)
            shown.append((i, key, handle.get_attribute("aria-valuenow"), widget_output_state(page)))
    return shown


def widget_output_state(page):
    """Text and image sources shown by the live widget outputs: what a reader sees change."""
    return page.eval_on_selector_all(
        ".widget-output, .widget-image, .widget-html",
        "els => els.map(e => e.innerText + [...e.querySelectorAll('img')].map(i => i.src))",
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab for all chapters, on copies: the browser may autosave, never the originals."""
    root = tmp_path_factory.mktemp("book")
    for chapter in widget_chapters():
        shutil.copy(chapter, root / chapter.name)
    token = os.urandom(16).hex()
    proc, url = start_lab(root, tmp_path_factory.mktemp("jupyter"), free_port(), token)
    try:
        yield url, token
    finally:
        stop(proc)


def shut_down_kernels(url, token):
    """Stop the chapter's kernel so that it does not compete with the next chapter's."""
    headers = {"Authorization": f"token {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{url}/api/kernels", headers=headers)) as r:
        kernels = json.load(r)
    for kernel in kernels:
        request = urllib.request.Request(
            f"{url}/api/kernels/{kernel['id']}", headers=headers, method="DELETE"
        )
        urllib.request.urlopen(request).close()


@pytest.mark.parametrize("chapter", widget_chapters(), ids=lambda p: p.name)
def test_widget_responds_in_a_real_browser(chapter, lab, browser):
    url, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{chapter.stem}.png"
    page_errors, explored = [], None
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.on("pageerror", lambda err: page_errors.append(str(err)))
        # a workspace of its own, reset: JupyterLab would otherwise reopen the chapters that
        # earlier tests opened (it keeps the layout on the server), hiding this one among them
        page.goto(f"{url}/lab/workspaces/{chapter.stem}/tree/{chapter.name}?reset&token={token}")
        run_all_and_wait(page)
        handle = page.locator(".widget-slider .noUi-handle").first
        handle.scroll_into_view_if_needed()
        before = widget_output_state(page)
        handle.focus()
        page.keyboard.press("ArrowRight")
        deadline = time.monotonic() + 20
        while widget_output_state(page) == before and time.monotonic() < deadline:
            time.sleep(0.2)
        after = widget_output_state(page)
        if KernelExplorer.on(page):
            explored = drive_kernel_explorer(page)
            after_all = widget_output_state(page)
        ends = drive_every_slider_to_its_ends(page)
        page.screenshot(path=str(shot), full_page=False)
        body = page.inner_text("body")
        tracebacks = page.locator(".jp-OutputArea-output", has_text="Traceback").count()
    finally:
        context.close()
        shut_down_kernels(url, token)
    assert after != before, "moving the slider did not change the widget output"
    assert "Error displaying widget" not in body
    assert not any("Traceback" in text for text in after), after
    assert not page_errors, page_errors
    if chapter.name.startswith("04_"):
        assert explored, "chapter 04 shows no kernel-gradient explorer (no 'tap u' control)"
    if explored:
        assert not any("Traceback" in text or "No picture" in text for text in after_all)
    assert ends, "no slider could be driven to its ends"
    assert len({value for *_, value, _ in ends}) > 1, "End and Home moved no slider"
    for index, key, value, texts in ends:
        bad = [t for t in texts if "Traceback" in t or "No picture" in t or "Error" in t]
        assert not bad, f"slider {index} at {key} (value {value}) shows: {bad[0][:200]}"
    # Only cells written to show an error may show a traceback.
    assert tracebacks == expected_errors(chapter), f"{tracebacks} tracebacks on the page"


def expected_errors(chapter):
    cells = json.loads(chapter.read_text())["cells"]
    return sum("raises-exception" in c.get("metadata", {}).get("tags", []) for c in cells)
