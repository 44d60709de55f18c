"""`make site`: the book as a static website that reads offline, built from the stored outputs.

Each chapter in notebooks/ becomes one HTML page through nbconvert's lab template, extended by
tools/site/template/chapter.html.j2. Nothing is executed: the pages show the outputs stored in
the notebooks. Formulas are typeset by MathJax 3 and the widgets drawn by
@jupyter-widgets/html-manager from the widget state saved in each notebook's metadata (nbclient
stores it when `make book` runs a chapter); both are served from the site's own assets/ (copied
from tools/site/assets/, vendored and verified by tools/fetch_site_assets.py), so a page requests
nothing outside the site. The index lists the chapters with the first sentence of each promise;
every chapter links to the previous and the next one. Open site/index.html in a browser.

    python tools/build_site.py [--out DIR] [NOTEBOOK ...]
"""

import argparse
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2
import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters import markdown2html

ROOT = Path(__file__).resolve().parents[1]
SITE_SOURCES = ROOT / "tools" / "site"
MARKER = ".cnnbp-site"  # marks a directory this script built, so a rebuild may replace it
PROMISE = "**Promise.**"


@dataclass(frozen=True)
class Chapter:
    """One chapter as the site shows it: its notebook, page name, heading and promise (HTML)."""

    path: Path
    href: str
    heading: str
    title: str
    promise: str


def chapter_heading(source):
    """The chapter's heading from cell 0's first line, ``# NN · Title``, as markdown.

    Examples
    --------
    >>> chapter_heading("# 04 · The kernel gradient\\n\\n**Promise.** ...")
    '04 · The kernel gradient'
    >>> chapter_heading("Some text")
    Traceback (most recent call last):
    ...
    ValueError: cell 0 must start with a '# NN · Title' heading, got 'Some text'
    """
    first = source.lstrip().split("\n", 1)[0]
    if not re.match(r"# \d\d · \S", first):
        raise ValueError(f"cell 0 must start with a '# NN · Title' heading, got {first[:60]!r}")
    return first[2:].strip()


def promise_sentence(source):
    """The first sentence of cell 0's ``**Promise.**`` paragraph, as markdown: the one-line promise.

    Examples
    --------
    >>> promise_sentence("# 01 · T\\n\\n**Promise.** Backprop is the chain\\nrule. It ...")
    'Backprop is the chain rule.'
    >>> promise_sentence("# 01 · T\\n\\nNo promise here.")
    Traceback (most recent call last):
    ...
    ValueError: cell 0 has no '**Promise.**' paragraph
    """
    paragraphs = [" ".join(p.split()) for p in source.split("\n\n")]
    found = [p for p in paragraphs if p.startswith(PROMISE)]
    if not found:
        raise ValueError(f"cell 0 has no {PROMISE!r} paragraph")
    text = found[0][len(PROMISE) :].strip()
    # A sentence ends at . ! or ? followed by a capital letter or the end of the paragraph.
    match = re.match(r"(.+?[.!?])(?=\s+[A-Z]|$)", text)
    return match.group(1) if match else text


def plain_title(markdown):
    """``markdown`` as plain text for a browser's title bar (TeX's ``\\partial`` becomes ∂).

    Examples
    --------
    >>> plain_title("04 · The kernel gradient $\\\\partial L/\\\\partial K$")
    '04 · The kernel gradient ∂L/∂K'
    """
    text = markdown.replace("\\partial ", "∂").replace("\\partial", "∂")
    return re.sub(r"[$*`\\]", "", text)


def inline_html(markdown):
    """One line of markdown as inline HTML (math left for MathJax).

    Examples
    --------
    >>> inline_html("the *kernel* $K<3$")
    'the <em>kernel</em> $K&lt;3$'
    """
    html = markdown2html(markdown).strip()
    return re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.DOTALL)


def read_chapters(paths):
    """A Chapter for each notebook in ``paths``, in the order given."""
    chapters = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        source = nb.cells[0].source if nb.cells else ""
        heading = chapter_heading(source)
        chapters.append(
            Chapter(
                path=Path(path),
                href=f"{Path(path).stem}.html",
                heading=inline_html(heading),
                title=plain_title(heading),
                promise=inline_html(promise_sentence(source)),
            )
        )
    return chapters


def chapter_exporter():
    """nbconvert's HTML exporter with the site's chapter template and local widget renderer."""
    return HTMLExporter(
        template_name="lab",
        template_file=str(SITE_SOURCES / "template" / "chapter.html.j2"),
        widget_renderer_url="assets/html-manager/embed.js",
    )


def render_chapter(exporter, chapter, prev, next_):
    """The HTML page of ``chapter``, linking to ``prev`` and ``next_`` (either may be None)."""
    nb = nbformat.read(chapter.path, as_version=4)
    nb.metadata["title"] = chapter.title
    links = {"prev": prev, "next": next_}
    html, _ = exporter.from_notebook_node(nb, resources={"cnnbp_site": links})
    return html


def render_index(chapters):
    """The site's index page: every chapter with its one-line promise."""
    loader = jinja2.FileSystemLoader(SITE_SOURCES / "template")
    template = jinja2.Environment(loader=loader, autoescape=False).get_template("contents.html.j2")
    return template.render(chapters=chapters)


def prepare(out):
    """Empty ``out`` for a build; refuse a non-empty directory this script did not build."""
    if out.exists():
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SystemExit(
                f"error: {out} exists and was not built by this script; not touching it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("built by tools/build_site.py; rebuilt (deleted) by `make site`\n")


def build(out, paths):
    """Write the site for the notebooks ``paths`` into ``out``; return the pages written."""
    chapters = read_chapters(paths)
    prepare(out)
    shutil.copytree(SITE_SOURCES / "assets", out / "assets")
    exporter = chapter_exporter()
    pages = [out / "index.html"]
    pages[0].write_text(render_index(chapters), encoding="utf-8")
    for i, chapter in enumerate(chapters):
        prev = chapters[i - 1] if i > 0 else None
        next_ = chapters[i + 1] if i + 1 < len(chapters) else None
        page = out / chapter.href
        page.write_text(render_chapter(exporter, chapter, prev, next_), encoding="utf-8")
        pages.append(page)
    return pages


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="default: site/")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapter")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    start = time.perf_counter()
    pages = build(args.out, paths)
    seconds = time.perf_counter() - start
    print(f"wrote {len(pages)} pages to {args.out} in {seconds:.1f} s; open {pages[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
