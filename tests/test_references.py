"""The course bibliography: the data file is valid, the rendered list students open is current, every author-year
citation in what the course ships resolves to one work, and nothing shipped still points to the course team's
internal fact sheet ("ref §N", "ipt-reference.md")."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ipt_lib.references import (ReferenceError, check_cited, cite_ids, citations, parse_works, render_markdown,
                                resolve, unresolved, works_for_ids)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "references.toml"
TEXT_SUFFIXES = {".md", ".py", ".toml", ".ipynb", ".json", ".example", ".txt", ".csv"}

# What the course ships to students and instructors.
SHIPPED = ("README.md", "notebooks", "release", "source", "data", "ipt_lib")
# Developer-only files that may name the fact sheet: the training-data guide (its test checks numbers against the
# fact sheet), and the module that recognises the old "ref §N" form.
DEVELOPER_ONLY = {"data/training/README.md", "ipt_lib/references.py"}
# Files the conversion has not reached yet (none: everything shipped cites the bibliography).
PENDING_GLOBS: tuple[str, ...] = ()
PENDING_FILES: tuple[str, ...] = ()


def shipped_files():
    for top in SHIPPED:
        path = ROOT / top
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        for f in candidates:
            if (f.is_file() and f.suffix in TEXT_SUFFIXES and "__pycache__" not in f.parts
                    and ".ipynb_checkpoints" not in f.parts):
                yield f.relative_to(ROOT).as_posix()


def text_of(rel: str) -> str:
    path = ROOT / rel
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":  # a backslash at the end of a line inside a TOML string joins it to the next
        text = re.sub(r"\\\n\s*", "", text)
    return text


def pending(rel: str) -> bool:
    return rel in PENDING_FILES or any(Path(rel).match(g) or rel.startswith(g.split("*")[0]) and "**" in g
                                       for g in PENDING_GLOBS)


@pytest.fixture(scope="module")
def works():
    return parse_works(DATA)


@pytest.fixture(scope="module")
def shipped():
    return {rel: text_of(rel) for rel in shipped_files()}


# --- (a) nothing shipped cites a document the course does not ship ---------------------------------------------

def test_nothing_converted_cites_the_internal_fact_sheet(shipped):
    checked, bad = 0, {}
    for rel, text in shipped.items():
        if rel in DEVELOPER_ONLY or pending(rel):
            continue
        checked += 1
        hits = re.findall(r".{0,50}(?:\bref(?:erence)? §\s?\d|ipt-reference).{0,30}", text)
        if hits:
            bad[rel] = hits[:3]
    assert checked > 60, "the scan found too few files: is SHIPPED right?"
    assert not bad, f"still citing the internal fact sheet (run /tmp/convert_citations.py): {bad}"


def test_the_pending_list_only_names_files_that_exist():
    for rel in PENDING_FILES:
        assert (ROOT / rel).is_file(), f"{rel} is in PENDING_FILES but does not exist"


# --- (b) every author-year citation resolves --------------------------------------------------------------------

def test_every_author_year_citation_in_shipped_text_resolves_to_one_work(shipped, works):
    total, bad = 0, {}
    for rel, text in shipped.items():
        if rel == "data/references.toml":
            continue
        found = citations(text, works)
        total += len(found)
        wrong = unresolved(text, works)
        if wrong:
            bad[rel] = sorted(set(wrong))
    assert not bad, f"citations that match no work of data/references.toml: {bad}"
    assert total > 400


def test_the_converted_corpora_cite_the_bibliography(shipped, works):
    for rel in ("README.md", "data/scenarios/r01.toml", "data/scenarios/r02.toml", "data/scenarios/r03.toml",
                "ipt_lib/problem_areas.py", "ipt_lib/techniques.py", "ipt_lib/measures.py",
                "data/assignments/a1_problem_areas/intro.md", "data/cohort/README.md"):
        assert citations(shipped[rel], works), f"{rel} cites no work of the bibliography"


@pytest.mark.parametrize("text, expected", [
    ("(Weissman et al., 2018; Stuart & Robertson, 2012)", ["Weissman et al., 2018", "Stuart & Robertson, 2012"]),
    ("as Elkin et al. (1989) and Stuart & Robertson (2012) found", ["Elkin et al., 1989", "Stuart & Robertson, 2012"]),
    ("(e.g. Reynolds et al., 1999b; see ISIPT, n.d.-b)", ["Reynolds et al., 1999b", "ISIPT, n.d.-b"]),
    ("(Weissman et al., 2018, ch. 6)", ["Weissman et al., 2018"]),
    ("Pies (2014) calls it controversial", ["Pies, 2014"]),
    ("Interpersonal Psychotherapy of Depression (1984) is the manual", []),  # a title, not a citation
    ("12-16 weekly sessions (2007-2011)", []),
])
def test_citation_forms_are_parsed(works, text, expected):
    assert sorted(citations(text, works)) == sorted(expected)


def test_an_unknown_citation_is_named_and_a_missing_one_is_refused(works):
    assert unresolved("(Weissman et al., 2018; Weissman & Jones, 2031)", works) == ["Weissman & Jones, 2031"]
    assert "Weissman & Jones, 2031" in check_cited("(Weissman & Jones, 2031)", works=works)
    assert "must cite the course bibliography" in check_cited("No citation at all.", works=works)
    assert check_cited("Fine (Weissman et al., 2018).", works=works) is None
    with pytest.raises(ReferenceError, match=r"Works by that name: .*Weissman et al., 2018"):
        resolve("Weissman et al., 2019", works)
    assert resolve("O’Hara et al., 2000", works).key == "ohara2000"     # a typographic apostrophe resolves


def test_fact_sheet_source_ids_map_to_works(works):
    assert [w.key for w in works_for_ids(["S42"], works)] == ["iptinstitute"]
    assert cite_ids(["S39", "S42"], works) == "ISIPT, n.d.-a; IPT Institute, n.d.-a"
    assert works_for_ids(["S80"], works) == []        # the inaccurate-origin sites are never cited


# --- (c) the bibliography itself --------------------------------------------------------------------------------

def test_every_work_has_authors_year_title_and_a_venue(works):
    assert len(works) > 100
    for w in works:
        assert (w.authors or (w.cite_as and w.note)) and w.year and w.title and w.venue, w.key
        assert w.strength in ("primary", "secondary", "weak")
        assert w.doi or w.url or w.note, f"{w.key}: no address and no note saying why"


def test_no_entry_links_to_an_upload_or_mirror(works):
    mirror = re.compile(r"scribd|vdoc|epdf|dokumen|fdocuments|studylib|mafiadoc|pdfslide|uptodatefree|"
                        r"//\d+\.\d+\.\d+\.\d+|\(upload\)|\(mirror\)", re.I)
    for w in works:
        for text in (w.url, *w.urls, w.note, w.venue):
            assert not mirror.search(text), (w.key, text)


def test_the_rendered_bibliography_is_current_alphabetical_and_anchored(works):
    rendered = (ROOT / "notebooks" / "references.md").read_text(encoding="utf-8")
    assert rendered == render_markdown(works), "notebooks/references.md is stale: run `./workbook build`"
    cites = re.findall(r'^<a id="([a-z0-9_]+)"></a>\*\*(.+?)\*\*\. ', rendered, re.M)
    assert [k for k, _ in cites] == sorted({k for k, _ in cites}, key=[k for k, _ in cites].index)  # unique
    assert len(cites) == len(works)
    labels = [c.rsplit(", ", 1)[0].casefold().replace("’", "'") for _, c in cites]
    assert labels == sorted(labels)
    entry = next(line for line in rendered.splitlines() if line.startswith('<a id="elkin1989"'))
    assert "Archives of General Psychiatry, 46, 971–982" in entry and "jamanetwork.com" in entry


def test_the_packaged_copy_is_current():
    assert (ROOT / "ipt_lib" / "_data" / "references.toml").read_bytes() == DATA.read_bytes(), \
        "ipt_lib/_data/references.toml is stale: run `./workbook build`"


@pytest.mark.parametrize("change, words", [
    (('title = "Interpersonal psychotherapy: current status"\n', ""), "work 2 (weissman1994), field 'title': missing"),
    (("year = 1994", "year = 94"), "field 'year': 94 must be a year"),
    (('cite = "Weissman & Markowitz, 1994"', 'cite = "Markowitz, 1994"'), "must start with the first author's"),
    (('cite = "Weissman & Markowitz, 1994"', 'cite = "Weissman & Markowitz, 1995"'), "field 'cite'"),
    (('url = "https://pubmed.ncbi.nlm.nih.gov/1/"', 'url = "https://www.scribd.com/document/1"'),
     "is an upload or mirror"),
    (('strength = "primary"', 'strength = "strong"'), "not one of: primary, secondary, weak"),
    (('authors = ["Weissman MM", "Markowitz JC"]', "authors = []"), "field 'authors': is empty"),
    (('key = "weissman1994"', 'key = "other"\ncolour = "red"'), "field 'colour': unknown field"),
    (('key = "weissman1994"', 'key = "agras2000"'), "field 'key': 'agras2000' is also used by work 1"),
])
def test_a_broken_entry_is_reported_with_file_work_and_field(tmp_path, change, words):
    good = '''[[work]]
key = "agras2000"
cite = "Agras et al., 2000"
authors = ["Agras WS", "et al."]
year = 2000
title = "A multicenter comparison of CBT and IPT for bulimia nervosa"
venue = "Archives of General Psychiatry, 57, 459–466"
strength = "primary"

[[work]]
key = "weissman1994"
cite = "Weissman & Markowitz, 1994"
authors = ["Weissman MM", "Markowitz JC"]
year = 1994
title = "Interpersonal psychotherapy: current status"
venue = "Archives of General Psychiatry, 51, 599–606"
url = "https://pubmed.ncbi.nlm.nih.gov/1/"
strength = "primary"
'''
    path = tmp_path / "refs.toml"
    path.write_text(good, encoding="utf-8")
    assert len(parse_works(path)) == 2
    old, new = change
    assert old in good
    path.write_text(good.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ReferenceError) as caught:
        parse_works(path)
    assert str(caught.value).startswith("refs.toml: ") and words in str(caught.value)


def test_importing_the_module_reads_nothing():
    probe = ("import sys, ipt_lib.references as r; print('tomllib' in sys.modules, r._load.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["False", "0"]
