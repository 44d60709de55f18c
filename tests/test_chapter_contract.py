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
        elif any(re.search(r"\bFAIL\b", output_text(c)) for c in cells):
            problems.append(f"a FAIL row in a cell tagged {tag}")
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
    if not any("PASS" in output_text(c) for c in cells):
        return ["the Solutions section has no checked solution (no PASS)"]
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


# --- the contract bites: damage a real chapter one part at a time --------------------------------


def drop_section(keyword):
    def damage(nb):
        for cell in nb["cells"]:
            if (heading(cell) or "").startswith(keyword):
                cell["source"] = ["## Something else\n"]

    return damage


def strip_tag(tag):
    def damage(nb):
        for cell in nb["cells"]:
            cell.setdefault("metadata", {})["tags"] = sorted(tags(cell) - {tag})

    return damage


def fail_a_check(nb):
    for cell in nb["cells"]:
        if "check-numeric" in tags(cell):
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["FAIL  x\n"]}]


def drop_stub(nb):
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "raise NotImplementedError" in source(cell):
            cell["source"] = ["pass\n"]


def drop_promise(nb):
    nb["cells"][0]["source"] = [source(nb["cells"][0]).replace("**Promise.**", "")]


def drop_chinese(nb):
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = [CJK.sub("", source(cell))]


DAMAGES = {
    "no promise": drop_promise,
    "no verification section": drop_section("verification"),
    "no where-it-goes-wrong section": drop_section("where it goes wrong"),
    "no explore section": drop_section("explore"),
    "no summary": drop_section("summary"),
    "no solutions": drop_section("solutions"),
    "no references": drop_section("references"),
    "no symbolic check": strip_tag("check-symbolic"),
    "no numeric check": strip_tag("check-numeric"),
    "a failing check": fail_a_check,
    "no stub to write in": drop_stub,
    "no Chinese terms": drop_chinese,
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_chapter_that_skips_a_part_fails(damage):
    deriving = [p for p in NOTEBOOKS if json.loads(p.read_text())["metadata"].get("cnnbp", {})]
    full = [p for p in deriving if json.loads(p.read_text())["metadata"]["cnnbp"].get("explore")]
    assert full, "no chapter with an explorer to damage"
    nb, number = load(full[0])
    assert problems(nb, number) == []
    broken = copy.deepcopy(nb)
    damage(broken)
    assert problems(broken, number), "the contract did not notice the damage"
