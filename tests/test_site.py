"""The offline site (`make site`): every page read in headless Chromium with the network cut off.

The site is built once into a temporary directory by tools/build_site.py, as `make site` does.
Each page is then opened from disk (file://, as the README tells readers) in Debian's chromium
with every request that leaves the site aborted and recorded, and must show: formulas typeset by
MathJax (output elements present, no MathJax error, no TeX delimiters left in the text), every
image decoded, every widget drawn from its saved state with its snapshot note, no request outside
the site, no failed request, no page error and no console error. A damaged copy of the site
(a missing asset, a broken image, a CDN script, undefined TeX) shows that the check catches each.

Without the browser: the index lists every chapter with its one-line promise, each page links to
its neighbours, the vendored assets match their manifest, and the site tools' examples hold.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGETS_TIMEOUT = 60.0


def load_tool(name):
    """Import tools/NAME.py (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_site = load_tool("build_site")
fetch_site_assets = load_tool("fetch_site_assets")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The whole book built by the command `make site` runs, into a temporary directory."""
    out = tmp_path_factory.mktemp("site") / "site"
    command = [sys.executable, str(ROOT / "tools" / "build_site.py"), "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    return out


def outputs(chapter, mime):
    """How many stored outputs of ``chapter`` carry ``mime``."""
    cells = json.loads(chapter.read_text())["cells"]
    return sum(mime in o.get("data", {}) for c in cells for o in c.get("outputs", []))


# --- without the browser ---------------------------------------------------------------------


@pytest.mark.parametrize("tool", [build_site, fetch_site_assets], ids=lambda m: m.__name__)
def test_the_site_tools_examples_hold(tool):
    result = doctest.testmod(tool, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


def test_the_vendored_assets_match_their_manifest():
    manifest = json.loads(fetch_site_assets.MANIFEST.read_text())
    assert fetch_site_assets.check(manifest) == []
    # Every vendored directory carries its licence, and every package says why it is there.
    folders = {f["to"].split("/")[0] for p in manifest["packages"] for f in p["files"]}
    for folder in folders:
        assert list((fetch_site_assets.ASSETS / folder).glob("*LICENSE*")), folder
    assert all(p["why"] and p["licence"] and p["version"] for p in manifest["packages"])


def test_the_asset_check_notices_a_changed_missing_or_unlisted_file(tmp_path):
    manifest = json.loads(fetch_site_assets.MANIFEST.read_text())
    assets = tmp_path / "assets"
    shutil.copytree(fetch_site_assets.ASSETS, assets)
    (assets / "mathjax" / "LICENSE").write_text("changed")
    (assets / "html-manager" / "LICENSE").unlink()
    (assets / "mathjax" / "stray.js").write_text("")
    assert fetch_site_assets.check(manifest, assets) == [
        "html-manager/LICENSE: missing",
        "mathjax/LICENSE: SHA-256 differs from the manifest",
        "mathjax/stray.js: not in the manifest",
    ]


class Links(HTMLParser):
    """Every link, and every src/href a page loads, of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.loads = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.links.append((attrs.get("rel"), attrs["href"]))
        if tag in ("script", "img") and "src" in attrs:
            self.loads.append(attrs["src"])
        if tag == "link" and "href" in attrs:
            self.loads.append(attrs["href"])


def parse(page):
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_the_index_lists_every_chapter_with_its_promise(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    hrefs = [href for _, href in parse(site / "index.html").links]
    assert hrefs == [f"{c.stem}.html" for c in CHAPTERS]
    for chapter in CHAPTERS:
        source = "".join(json.loads(chapter.read_text())["cells"][0]["source"])
        promise = build_site.promise_sentence(source)
        assert len(promise) > 20 and promise[-1] in ".!?", promise
        assert build_site.inline_html(promise) in index, chapter.name


def test_every_chapter_links_to_its_neighbours_and_loads_only_local_files(site):
    pages = [site / f"{c.stem}.html" for c in CHAPTERS]
    for i, page in enumerate(pages):
        parsed = parse(page)
        prev = {href for rel, href in parsed.links if rel == "prev"}
        next_ = {href for rel, href in parsed.links if rel == "next"}
        assert prev == ({pages[i - 1].name} if i > 0 else set()), page.name
        assert next_ == ({pages[i + 1].name} if i + 1 < len(pages) else set()), page.name
        assert ("index", "index.html") in parsed.links
    for page in [site / "index.html", *pages]:
        for url in parse(page).loads:
            if not url.startswith("data:"):
                assert "://" not in url and (site / url).is_file(), f"{page.name} loads {url}"


# --- in the browser --------------------------------------------------------------------------

# The page as a reader sees it, once MathJax and the widget renderer are done.
PAGE_STATE = """() => {
  const skip = 'script, style, pre, code, textarea, mjx-container, .jp-InputArea';
  const rawTex = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest(skip) && /\\$|\\\\\\(|\\\\\\[|\\\\begin\\{/.test(node.data))
      rawTex.push(node.data.trim().slice(0, 80));
  }
  const errors = 'mjx-merror, [data-mml-node="merror"], [data-mjx-error]';
  const views = [...document.querySelectorAll('script[type="WIDGET_VIEW_MIME"]')];
  return {
    math: document.querySelectorAll('mjx-container').length,
    mathErrors: [...document.querySelectorAll(errors)]
      .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80)),
    rawTex: rawTex,
    images: document.images.length,
    brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => i.src.slice(0, 60)),
    widgets: views.map(v => {
      const area = v.previousElementSibling;
      const drawn = !!(area && area.matches('.widget-subarea') && area.querySelector('.lm-Widget')
                       && area.innerText.trim());
      const row = v.closest('.jp-OutputArea-child');
      return {drawn: drawn, note: !!(row && row.querySelector(':scope > p.cnnbp-snapshot'))};
    }),
    widgetErrors: document.body.innerText.includes('Error displaying widget'),
  };
}""".replace("WIDGET_VIEW_MIME", WIDGET_VIEW)

WIDGETS_DONE = """() => [...document.querySelectorAll('script[type="WIDGET_VIEW_MIME"]')]
.every(v => {
  const area = v.previousElementSibling;
  return area && area.matches('.widget-subarea') && area.querySelector('.lm-Widget');
}) || document.body.innerText.includes('Error displaying widget')""".replace(
    "WIDGET_VIEW_MIME", WIDGET_VIEW
)


def read_offline(browser, page_path):
    """Open ``page_path`` with every request outside its folder aborted; return (problems, state).

    ``problems`` lists, in words, each thing a reader offline would miss or see broken.
    """
    site = page_path.parent.as_uri() + "/"
    outside, failed, errors = [], [], []

    def only_the_site(route):
        if route.request.url.startswith(site):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(viewport={"width": 1300, "height": 900})
    try:
        context.route("**/*", only_the_site)
        page = context.new_page()
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
        page.goto(page_path.as_uri(), wait_until="load", timeout=60_000)
        problems = wait_for_mathjax_and_widgets(page, failed)
        state = page.evaluate(PAGE_STATE)
    finally:
        context.close()
    problems += [f"request outside the site: {url}" for url in outside]
    problems += [f"failed request: {what}" for what in failed]
    problems += errors
    problems += [f"MathJax error: {e}" for e in state["mathErrors"]]
    problems += [f"TeX not typeset: {t!r}" for t in state["rawTex"]]
    problems += [f"image not decoded: {src}" for src in state["brokenImages"]]
    for i, widget in enumerate(state["widgets"]):
        if not widget["drawn"]:
            problems.append(f"widget {i} not drawn from its state")
        if not widget["note"]:
            problems.append(f"widget {i} has no snapshot note")
    if state["widgetErrors"]:
        problems.append("'Error displaying widget' on the page")
    return problems, state


def wait_for_mathjax_and_widgets(page, failed):
    """Wait until MathJax has typeset the page and the widgets are drawn; say what never came."""
    if not page.evaluate("() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise)"):
        return ["MathJax did not load"]
    page.evaluate("() => MathJax.startup.promise.then(() => true)")
    deadline = time.monotonic() + WIDGETS_TIMEOUT
    while not page.evaluate(WIDGETS_DONE):
        if failed or time.monotonic() > deadline:  # a failed asset: the widgets never come
            return []
        time.sleep(0.2)
    page.evaluate("() => MathJax.startup.promise.then(() => true)")  # typesets widgets queued
    return []


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"
)


@pytest.mark.parametrize("page", ["index", *(c.stem for c in CHAPTERS)])
@pytest.mark.browser
@needs_chromium
def test_page_reads_offline(site, browser, page):
    problems, state = read_offline(browser, site / f"{page}.html")
    assert not problems, "\n".join(problems)
    if page == "index":  # formulas only where a heading or a promise has one
        has_tex = "$" in (site / "index.html").read_text(encoding="utf-8")
        assert (state["math"] > 0) == has_tex
        return
    chapter = ROOT / "notebooks" / f"{page}.ipynb"
    assert state["math"] > 0, "no formula typeset"
    assert state["images"] >= outputs(chapter, "image/png")
    assert len(state["widgets"]) == outputs(chapter, WIDGET_VIEW)


@pytest.mark.browser
@needs_chromium
def test_the_offline_check_catches_a_damaged_site(site, browser, tmp_path):
    damaged = tmp_path / "site"
    shutil.copytree(site, damaged)
    (damaged / "assets" / "html-manager" / "embed.js").unlink()
    index = damaged / "index.html"
    index.write_text(index.read_text().replace("tex-svg-full.js", "missing.js"))
    widget_page = next(damaged / f"{c.stem}.html" for c in CHAPTERS if outputs(c, WIDGET_VIEW))
    html = widget_page.read_text(encoding="utf-8")
    injected = (
        '<img src="data:image/png;base64,AAAA"><script src="https://cdn.example.org/m.js">'
        "</script><p>$\\nosuchmacro{x}$</p></main>"
    )
    widget_page.write_text(html.replace("</main>", injected, 1), encoding="utf-8")

    problems, _ = read_offline(browser, widget_page)
    found = "\n".join(problems)
    assert "request outside the site: https://cdn.example.org/m.js" in found
    assert re.search(r"failed request: \S+/html-manager/embed\.js", found)
    assert "image not decoded: data:image/png;base64,AAAA" in found
    assert re.search(r"MathJax error: .*nosuchmacro", found)
    assert "widget 0 not drawn from its state" in found

    problems, _ = read_offline(browser, index)
    assert "MathJax did not load" in problems
    assert any(p.startswith("TeX not typeset:") for p in problems), problems
