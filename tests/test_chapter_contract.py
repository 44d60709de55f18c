"""The chapter contract: every chapter keeps the shape DESIGN.md describes.

A chapter declares in its notebook metadata what it derives and whether it has an explorer:
``"cnnbp": {"derives": ["conv2d.dK"], "explore": true}``. From that, this test requires (the
README's contributor notes state the same list):

* a title cell ``# NN · ...`` with a ``**Promise.**`` paragraph, then the setup cell with one rng;
* the level-2 sections, in order: Intuition, Derivation, Verification, Where it goes wrong,
  Explore (with an explorer), Summary, Exercises, Solutions, References (a chapter that derives
  nothing needs only the last four);
* check cells tagged ``check-symbolic`` and ``check-numeric`` whose stored output passes;
* a saved figure named after the chapter; in Explore, a widget and its static figure;
* a summary table, exercises with a stub and a checker, checked solutions, a list of
  references, and Chinese terms beside the English.

Each rule is a small function returning the problems it finds, so `test_a_chapter_that_skips_
a_part_fails` can show that every rule bites on a damaged copy of a real chapter.
"""

import copy
import json
import re
from pathlib import Path

import pytest
from test_fault_injection import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
DERIVING_SECTIONS = ["intuition", "derivation", "verification", "where it goes wrong"]
CLOSING_SECTIONS = ["summary", "exercises", "solutions", "references"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def source(cell):
    return "".join(cell["source"])


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.extend("".join(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def heading(cell):
    """The level-2 heading of a markdown cell, lower case, without its number; or None."""
    if cell["cell_type"] != "markdown":
        return None
    m = re.match(r"##\s+(?:\d+\s*·\s*)?(.+)", source(cell).lstrip())
    return m.group(1).strip().lower() if m and not source(cell).lstrip().startswith("###") else None


def sections(nb):
    """{keyword: cells of that section}, for the contract's keywords, in notebook order."""
    found, current = {}, None
    for cell in nb["cells"]:
        title = heading(cell)
        if title is not None:
            current = title
            found.setdefault(current, [])
        if current is not None:
            found[current].append(cell)  # the heading cell too: its text may follow the heading
    return found


def required_sections(meta):
    derived = DERIVING_SECTIONS if meta.get("derives") else []
    return derived + (["explore"] if meta.get("explore") else []) + CLOSING_SECTIONS


def section(nb, keyword):
    return next((cells for title, cells in sections(nb).items() if title.startswith(keyword)), [])


# --- the rules: each returns a list of problems ------------------------------------------------


def rule_metadata(nb, number):
    meta = nb["metadata"].get("cnnbp")
    if not isinstance(meta, dict) or not {"derives", "explore"} <= set(meta):
        return ['notebook metadata needs "cnnbp": {"derives": [...], "explore": bool}']
    listed = next((d for name, (d, _) in CHAPTERS.items() if name.startswith(number)), [])
    if meta["derives"] != listed:  # a chapter cannot excuse itself from the fault test
        return [f"metadata derives {meta['derives']}, the fault-injection test lists {listed}"]
    return []


def rule_title_and_setup(nb, number):
    problems = []
    first, second = nb["cells"][0], nb["cells"][1]
    if not (first["cell_type"] == "markdown" and source(first).startswith(f"# {number} · ")):
        problems.append(f"cell 0 must be the title '# {number} · ...'")
    if "**Promise.**" not in source(first):
        problems.append("the title cell needs a **Promise.** paragraph")
    if second["cell_type"] != "code" or source(second).count("np.random.default_rng(") != 1:
        problems.append("cell 1 must be the setup cell seeding one rng")
    return problems


def rule_sections_in_order(nb, number):
    titles = list(sections(nb))
    positions = []
    for keyword in required_sections(nb["metadata"].get("cnnbp", {})):
        hits = [i for i, t in enumerate(titles) if t.startswith(keyword)]
        if not hits:
            return [f"missing section '## {keyword.capitalize()}'"]
        positions.append(hits[0])
    return [] if positions == sorted(positions) else [f"sections out of order: {titles}"]


CHECKING = re.compile(
    r"\b(check|prove|check_gradients|assert_gradients|dot_product_check|gradient_identity_holds)"
    r"\(|^\s*assert\b",
    re.MULTILINE,
)


def stored_error(cell):
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def rule_checks(nb, number):
    if not nb["metadata"].get("cnnbp", {}).get("derives"):
        return []
    problems = []
    for tag in ("check-symbolic", "check-numeric"):
        cells = [c for c in nb["cells"] if tag in tags(c)]
        if not cells:
            problems.append(f"no cell tagged {tag}")
        elif not any("PASS" in output_text(c) for c in cells):
            problems.append(f"no PASS row in the cells tagged {tag}")
        elif any(re.search(r"\bFAIL\b", output_text(c)) or stored_error(c) for c in cells):
            problems.append(f"a FAIL row or an error in a cell tagged {tag}")
        elif not all(CHECKING.search(source(c)) for c in cells):
            problems.append(f"a cell tagged {tag} checks nothing (no check, prove or assert)")
    return problems


def saved_figures(cells, number):
    names = re.findall(r"save_figure\([^,]+,\s*f?\"([^\"]+)\"", "\n".join(map(source, cells)))
    return [n for n in names if n.startswith(f"{number}_")]


def rule_figure(nb, number):
    names = saved_figures(nb["cells"], number)
    if not names:
        return [f"no save_figure(..., '{number}_...') call"]
    missing = [
        n for n in names if not (ROOT / "figures" / (n if "." in n else n + ".png")).exists()
    ]
    return [f"figures not in figures/: {missing}"] if missing else []


def rule_explore(nb, number):
    if not nb["metadata"].get("cnnbp", {}).get("explore"):
        return []
    cells = section(nb, "explore")
    widget = any(WIDGET_MIME in o.get("data", {}) for c in cells for o in c.get("outputs", []))
    problems = [] if widget else ["the Explore section shows no widget"]
    return problems + ([] if saved_figures(cells, number) else ["Explore saves no static figure"])


def rule_summary_table(nb, number):
    text = "\n".join(source(c) for c in section(nb, "summary") if c["cell_type"] == "markdown")
    return [] if re.search(r"(?m)^\|.*\|\s*$", text) else ["the Summary has no table"]


def rule_exercises(nb, number):
    code = [source(c) for c in section(nb, "exercises") if c["cell_type"] == "code"]
    problems = [] if any("check_exercise_" in s for s in code) else ["no exercise checker call"]
    stub = any("raise NotImplementedError" in s for s in code)
    return problems + ([] if stub else ["no cell with a stub for the reader to write in"])


def rule_solutions(nb, number):
    cells = [c for c in section(nb, "solutions") if c["cell_type"] == "code"]
    checked = [c for c in cells if "strict=True" in source(c) or CHECKING.search(source(c))]
    if not any("PASS" in output_text(c) for c in checked):
        return ["the Solutions section has no checked solution (a checker or check printing PASS)"]
    return []


def rule_references(nb, number):
    text = "\n".join(source(c) for c in section(nb, "references"))
    return [] if re.search(r"(?m)^\s*[-*] ", text) else ["the References section has no list"]


def rule_chinese_terms(nb, number):
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    return [] if CJK.search(markdown) else ["no Chinese terms beside the English"]


RULES = [
    rule_metadata, rule_title_and_setup, rule_sections_in_order, rule_checks, rule_figure,
    rule_explore, rule_summary_table, rule_exercises, rule_solutions, rule_references,
    rule_chinese_terms,
]  # fmt: skip


def problems(nb, number):
    return [p for rule in RULES for p in rule(nb, number)]


def load(path):
    return json.loads(path.read_text()), path.name[:2]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_keeps_the_contract(path):
    nb, number = load(path)
    assert problems(nb, number) == [], f"{path.name} breaks the chapter contract"


# --- the contract bites: damage a real chapter one part at a time, each rule must notice ------


def edit_cells(predicate, change):
    def damage(nb):
        for cell in nb["cells"]:
            if predicate(cell):
                change(cell)

    return damage


def set_source(text):
    def change(cell):
        cell["source"] = [text]

    return change


def is_heading(keyword):
    return lambda cell: (heading(cell) or "").startswith(keyword)


def in_section(keyword, kind="code"):
    def predicate(cell):
        return cell["cell_type"] == kind and any(
            cell is c
            for title, cells in sections(NB_CACHE[0]).items()
            if title.startswith(keyword)
            for c in cells
        )

    return predicate


def tagged(tag):
    return lambda cell: tag in tags(cell)


def strip_tag(tag):
    return edit_cells(tagged(tag), lambda c: c["metadata"].update(tags=sorted(tags(c) - {tag})))


def move_summary_to_the_end(nb):
    cells = sections(nb)
    title = next(t for t in cells if t.startswith("summary"))
    moved = cells[title]
    nb["cells"] = [c for c in nb["cells"] if not any(c is m for m in moved)] + moved


def rewrite(predicate, old, new):
    """Replace the regex ``old`` by ``new`` in the source of the cells ``predicate`` picks."""
    return edit_cells(predicate, lambda c: c.update(source=[re.sub(old, new, source(c))]))


def first(index):
    return lambda cell: cell is NB_CACHE[0]["cells"][index]


FAIL_ROW = [{"output_type": "stream", "name": "stdout", "text": ["FAIL  x\n"]}]
STUB = lambda cell: "raise NotImplementedError" in source(cell)  # noqa: E731
MARKDOWN = lambda cell: cell["cell_type"] == "markdown"  # noqa: E731
FIGURE = lambda cell: "save_figure(" in source(cell)  # noqa: E731

DAMAGES = {
    "metadata removed": (rule_metadata, lambda nb: nb["metadata"].pop("cnnbp")),
    "metadata excusing the chapter": (
        rule_metadata,
        lambda nb: nb["metadata"]["cnnbp"].update(derives=[]),
    ),
    "no promise": (rule_title_and_setup, rewrite(first(0), r"\*\*Promise\.\*\*", "")),
    "a second rng in the setup": (
        rule_title_and_setup,
        rewrite(first(1), r"$", "\nnp.random.default_rng(1)"),
    ),
    "no verification section": (
        rule_sections_in_order,
        rewrite(is_heading("verification"), r"^.*", "## Other"),
    ),
    "summary after the references": (rule_sections_in_order, move_summary_to_the_end),
    "no symbolic check": (rule_checks, strip_tag("check-symbolic")),
    "no numeric check": (rule_checks, strip_tag("check-numeric")),
    "a check that checks nothing": (
        rule_checks,
        edit_cells(tagged("check-numeric"), set_source('print("PASS")')),
    ),
    "a failing check": (
        rule_checks,
        edit_cells(tagged("check-numeric"), lambda c: c.update(outputs=FAIL_ROW)),
    ),
    "a figure not in figures/": (rule_figure, rewrite(FIGURE, r'"(\d\d)_[^"]*"', r'"\1_missing"')),
    "an explore section without its widget": (
        rule_explore,
        edit_cells(in_section("explore"), lambda c: c.update(outputs=[])),
    ),
    "a summary without a table": (
        rule_summary_table,
        rewrite(in_section("summary", "markdown"), r"(?m)^\|.*$", ""),
    ),
    "no stub to write in": (rule_exercises, edit_cells(STUB, set_source("pass\n"))),
    "no checker call": (
        rule_exercises,
        rewrite(in_section("exercises"), "check_exercise_", "print_"),
    ),
    "solutions that only print PASS": (
        rule_solutions,
        edit_cells(in_section("solutions"), set_source('print("PASS")')),
    ),
    "references without a list": (
        rule_references,
        rewrite(in_section("references", "markdown"), r"(?m)^\s*[-*] ", ""),
    ),
    "no Chinese terms": (rule_chinese_terms, rewrite(MARKDOWN, CJK.pattern, "")),
}
NB_CACHE = [None]  # the notebook being damaged, for the section predicates


def full_chapter():
    """The first chapter that derives a gradient and has an explorer: every rule applies to it."""
    for path in NOTEBOOKS:
        nb, number = load(path)
        meta = nb["metadata"].get("cnnbp", {})
        if meta.get("explore") and meta.get("derives"):
            return nb, number
    raise AssertionError("no chapter that derives a gradient and has an explorer to damage")


@pytest.mark.parametrize("name", DAMAGES)
def test_each_rule_notices_its_own_damage(name):
    rule, damage = DAMAGES[name]
    nb, number = full_chapter()
    assert rule(nb, number) == [], f"{rule.__name__} fails on the undamaged chapter"
    broken = copy.deepcopy(nb)
    NB_CACHE[0] = broken
    damage(broken)
    assert rule(broken, number), f"{rule.__name__} did not notice: {name}"


def test_every_rule_has_a_damage_that_it_notices():
    assert {rule for rule, _ in DAMAGES.values()} == set(RULES)
