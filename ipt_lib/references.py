"""The course bibliography: load and check data/references.toml, render it, resolve author-year citations.

Lessons, vignette rationales, role-play feedback and the package's own texts cite works author-year, for example
"(Weissman et al., 2018; Stuart & Robertson, 2012)" or "Elkin et al. (1989)". Each citation must match the
``cite`` of exactly one work in the bibliography; :func:`unresolved` lists the ones that do not. Students open the
list rendered by :func:`render_markdown`, shipped as notebooks/references.md.

>>> from ipt_lib.references import citations
>>> citations("IPT aims at linkage, not aetiology (Focus review, 2006; Markowitz, 2016).")
['Focus review, 2006', 'Markowitz, 2016']

Nothing is read at import time: the file is loaded on the first call and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import StudentFacingError

# While True, validators still accept the old "ref §N" pointers to the course team's internal fact sheet as a
# citation, so that files written before the bibliography existed load until the conversion script has been run
# over them. Set to False once no shipped file says "ref §" (tests/test_references.py lists what is pending).
LEGACY_SECTION_CITES_ALLOWED = False

LEGACY_SECTION_CITE = re.compile(r"\bref(?:erence)? §\s?\d")
STRENGTHS = ("primary", "secondary", "weak")
_FIELDS = ("key", "cite", "cite_as", "authors", "year", "title", "venue", "doi", "url", "urls", "strength", "note",
           "ids")
_REQUIRED = ("key", "cite", "authors", "year", "title", "venue", "strength")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_YEAR = r"(?:1[89]\d\d|20\d\d)[a-z]?|n\.d\.(?:-[a-z])?"
_SOURCE_ID = re.compile(r"^S\d+$")
_MIRRORS = re.compile(r"scribd|vdoc\.pub|epdf|dokumen|fdocuments|studylib|mafiadoc|pdfslide|uptodatefree|"
                      r"vdocuments|docslib|ebrary|alpfmedical|guwsmedical|barnardhealth|docsford|hozir|moam\.info|"
                      r"melakarnets|arietiform|deno\.dev|//\d+\.\d+\.\d+\.\d+", re.I)

# One citation inside parentheses: "Author, 2018", "Author & Author, 2012", "Author et al., 1999a", "ISIPT, n.d.-b",
# optionally with a locator (", ch. 6") and a lead-in ("e.g.", "see", "all from").
_PART = re.compile(rf"^(?:(?i:(?:(?:all|both|each|figures|data)\s+)?(?:e\.g\.|see also|see|cf\.|for example|from|after)),?\s+)?"
                   rf"(?P<author>[A-Z][^;()]*?),\s+"
                   rf"(?P<year>{_YEAR})(?:,\s*(?:ch|chs|chapter|p|pp)\.?\s*[\w–-]+)?$")
# A narrative citation: "Weissman et al. (2018)", "Stuart & Robertson (2012)", "Pies (2014)".
_NAME = r"[A-Z][\w'’-]+"
_NARRATIVE = re.compile(rf"(?<![\w'’-])(?P<author>{_NAME}(?: et al\.|(?:,\s{_NAME})*,?\s(?:and|&)\s{_NAME})?)\s"
                        rf"\((?P<year>{_YEAR})"
                        rf"(?:,\s*(?:ch|chs|chapter|p|pp)\.?\s*[\w–-]+)?\)")
_GROUP = re.compile(r"\(([^()]*)\)")


class ReferenceError(StudentFacingError):
    """The bibliography is malformed, or a text cites a work it does not list; the message names file and field."""

    title = "Bibliography problem"


@dataclass(frozen=True)
class Work:
    key: str
    cite: str
    authors: tuple[str, ...]
    year: int | str
    title: str
    venue: str
    strength: str
    doi: str = ""
    url: str = ""
    urls: tuple[str, ...] = ()
    note: str = ""
    ids: tuple[str, ...] = ()
    cite_as: str = ""

    @property
    def anchor(self) -> str:
        return self.key

    def link(self) -> str:
        """The address a reader follows: the DOI if known, else the work's page (may be empty)."""
        return f"https://doi.org/{self.doi}" if self.doi else self.url

    def markdown(self) -> str:
        """One entry of the rendered list: authors. Year. Title. Venue. DOI or address. Note."""
        who = ", ".join(a for a in self.authors if a != "et al.")
        if "et al." in self.authors:
            who += " et al."
        who = who or f"{self.cite_as} [byline not shown]"
        title = self.title if self.title.endswith(("?", "!", ".")) else self.title + "."
        text = f"<a id=\"{self.key}\"></a>**{self.cite}**. {who.rstrip('.')}. {self.year}. *{title}* " \
               f"{self.venue.rstrip('.')}."
        links = []
        if self.doi:
            links.append(f"doi:[{self.doi}](https://doi.org/{self.doi})")
        for url in ((self.url,) if self.url else ()) + self.urls:
            links.append(f"<{url}>")
        if links:
            text += " " + " ; ".join(links) + "."
        if self.strength == "weak":
            text += " *Illustration only: a weak source.*"
        if self.note:
            text += f" {self.note}"
        return text


def default_path() -> Path:
    """data/references.toml in a checkout of the course repository, else the copy packaged with ipt_lib."""
    repo = Path(__file__).resolve().parent.parent / "data" / "references.toml"
    return repo if repo.is_file() else Path(__file__).resolve().parent / "_data" / "references.toml"


def _check(path: Path, index: int, raw: dict) -> Work:
    where = f"{path.name}: work {index}"
    key = raw.get("key", "")
    if isinstance(key, str) and key:
        where += f" ({key})"

    def fail(field: str, problem: str):
        raise ReferenceError(f"{where}, field '{field}': {problem}")

    for name in raw:
        if name not in _FIELDS:
            fail(name, f"unknown field; the fields are: {', '.join(_FIELDS)}")
    for name in _REQUIRED:
        if name not in raw:
            fail(name, "missing")
    for name in ("key", "cite", "cite_as", "title", "venue", "doi", "url", "strength", "note"):
        if name in raw and (not isinstance(raw[name], str) or (name in _REQUIRED and not raw[name].strip())):
            fail(name, "must be a non-empty text" if name in _REQUIRED else "must be a text")
    if not _KEY.match(raw["key"]):
        fail("key", f"{raw['key']!r} must be lower case letters, digits and underscores")
    for name in ("authors", "urls", "ids"):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            fail(name, "must be a list of non-empty texts")
    authors = tuple(raw["authors"])
    cite_as = raw.get("cite_as", "")
    note = raw.get("note", "")
    if not authors:
        if not cite_as or not re.search(r"byline|not shown|not recorded", note, re.I):
            fail("authors", "is empty: give the authors as printed, or, if the byline was not shown, a `cite_as` "
                            "label and a note saying so")
    year = raw["year"]
    if isinstance(year, bool) or not (isinstance(year, int) and 1800 <= year <= 2100 or year == "n.d."):
        fail("year", f"{year!r} must be a year such as 2018, or \"n.d.\" for an undated web page")
    cite = raw["cite"]
    match = re.fullmatch(rf"(?P<author>.+), (?P<year>{_YEAR})", cite)
    if not match or not match["year"].startswith(str(year)):
        fail("cite", f"{cite!r} must be 'Author, {year}' (a letter after the year tells apart works of one "
                     "author and year, e.g. 'Reynolds et al., 1999a')")
    label = match["author"]
    if authors and not cite_as:
        surname = authors[0].split()[0] if authors[0] != "et al." else ""
        if not label.startswith(surname):
            fail("cite", f"{cite!r} must start with the first author's surname {surname!r} (or set `cite_as`)")
    elif cite_as and label != cite_as:
        fail("cite", f"{cite!r} must start with its `cite_as` label {cite_as!r}")
    if raw["strength"] not in STRENGTHS:
        fail("strength", f"{raw['strength']!r} is not one of: {', '.join(STRENGTHS)}")
    doi = raw.get("doi", "")
    if doi and not re.match(r"^10\.\d{4,9}/\S+$", doi):
        fail("doi", f"{doi!r} is not a DOI such as 10.1176/appi.ajp.2011.10111704 (no https://doi.org/ prefix)")
    for name, urls in (("url", [raw.get("url", "")]), ("urls", raw.get("urls", []))):
        for url in filter(None, urls):
            if not re.match(r"^https?://\S+$", url):
                fail(name, f"{url!r} is not a web address")
            if _MIRRORS.search(url):
                fail(name, f"{url!r} is an upload or mirror of the work: cite the DOI, the journal or publisher "
                           "page, PubMed/PMC, or the organisation's own site instead")
    for sid in raw.get("ids", []):
        if not _SOURCE_ID.match(sid):
            fail("ids", f"{sid!r} is not a source id like 'S42'")
    return Work(raw["key"], cite, authors, year, raw["title"].strip(), raw["venue"].strip(), raw["strength"], doi,
                raw.get("url", ""), tuple(raw.get("urls", [])), note.strip(), tuple(raw.get("ids", [])), cite_as)


def parse_works(path: Path | str) -> tuple[Work, ...]:
    """Every work in ``path``, checked; a :class:`ReferenceError` names the file, work and field at fault."""
    import tomllib

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceError(f"{path.name}: not valid TOML ({exc})") from None
    unknown = set(data) - {"work"}
    if unknown:
        raise ReferenceError(f"{path.name}: unknown table(s) {sorted(unknown)}; every entry is a [[work]]")
    raw_works = data.get("work")
    if not isinstance(raw_works, list) or not raw_works:
        raise ReferenceError(f"{path.name}: no [[work]] entries")
    works, keys, cites = [], {}, {}
    for i, raw in enumerate(raw_works, 1):
        work = _check(path, i, raw)
        for seen, value, field in ((keys, work.key, "key"), (cites, work.cite, "cite")):
            if value in seen:
                raise ReferenceError(f"{path.name}: work {i} ({work.key}), field '{field}': {value!r} is also "
                                     f"used by work {seen[value]}")
            seen[value] = i
        works.append(work)
    return tuple(works)


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Work, ...]:
    return parse_works(path)


def load_works(path: Path | str | None = None) -> tuple[Work, ...]:
    """The bibliography (default: data/references.toml, else the packaged copy), loaded once and cached."""
    return _load(str(Path(path) if path else default_path()))


def sort_key(work: Work) -> tuple:
    label = work.cite.rsplit(", ", 1)[0]
    return (label.casefold().replace("’", "'"), str(work.year), work.cite)


def render_markdown(works: tuple[Work, ...] | None = None) -> str:
    """The bibliography as Markdown, alphabetical, one anchored paragraph per work (notebooks/references.md)."""
    works = load_works() if works is None else works
    lines = ["# Course bibliography", "",
             "The lessons, case rationales and feedback in this course cite the works below by author and year, for "
             "example (Weissman et al., 2018). Find the citation in bold in this alphabetical list. A letter after "
             "the year (1999a, 1999b) tells apart works by the same authors in the same year; *n.d.* marks an "
             "undated web page. Where the copy we consulted did not show the authors, the work is listed under a "
             "short descriptive name and the entry says so. Works marked *illustration only* are weak sources: the "
             "course uses them as examples, never as evidence. Training requirements change: check the bodies' own "
             "pages before you apply.", "",
             "*This file is generated from data/references.toml; edit that file, not this one.*", ""]
    for work in sorted(works, key=sort_key):
        lines += [work.markdown(), ""]
    return "\n".join(lines).rstrip() + "\n"


def citations(text: str, works: tuple[Work, ...] | None = None) -> list[str]:
    """The author-year citations in ``text``, normalised to the form of a ``cite`` ("Author, Year").

    A narrative citation with one name ("Pies (2014)") counts only if that name starts the ``cite`` of some work,
    so that a title such as "Interpersonal Psychotherapy of Depression (1984)" is not taken for a citation;
    "Name et al. (Year)" and "Name & Name (Year)" always count.
    """
    text = text.replace("&amp;", "&")  # "Stanley &amp; Brown, 2012" in text that is written as HTML (a rubric table)
    found = []
    for group in _GROUP.finditer(text):
        for part in group.group(1).split(";"):
            match = _PART.match(" ".join(part.split()))
            if match:
                found.append(f"{match['author']}, {match['year']}")
    names = None
    for match in _NARRATIVE.finditer(text):
        author = match["author"]
        if " " not in author:
            if names is None:
                names = {w.cite.split(",")[0].split()[0] for w in (load_works() if works is None else works)}
            if author not in names:
                continue
        found.append(f"{author}, {match['year']}")
    return found


def resolve(citation: str, works: tuple[Work, ...] | None = None) -> Work:
    """The one work whose ``cite`` is ``citation`` ("Weissman et al., 2018"); a ReferenceError if there is none."""
    works = load_works() if works is None else works
    wanted = " ".join(citation.replace("’", "'").split()).replace(" and ", " & ").replace(", &", " &")
    for work in works:
        if work.cite == wanted:
            return work
    # every author named in full, as some texts do: "Kroenke, Spitzer & Williams, 2001"
    names, _, year = wanted.rpartition(", ")
    surnames = [n.strip() for n in re.split(r",|&", names) if n.strip()]
    if len(surnames) >= 2:
        for work in works:
            listed = [a.split()[0] for a in work.authors]
            if listed == surnames and work.cite.rsplit(", ", 1)[1] in (year, f"{year}a") and \
                    sum(w.cite.startswith(work.cite.rsplit(", ", 1)[0]) and str(w.year) == str(work.year)
                        for w in works) == 1:
                return work
    close = [w.cite for w in works if w.cite.split(",")[0].split()[0] == wanted.split(",")[0].split()[0]]
    hint = f" Works by that name: {'; '.join(close)}." if close else ""
    raise ReferenceError(f"({citation}) is not in the course bibliography (data/references.toml).{hint}")


def unresolved(text: str, works: tuple[Work, ...] | None = None) -> list[str]:
    """The citations in ``text`` that match no work of the bibliography."""
    bad = []
    for cite in citations(text, works):
        try:
            resolve(cite, works)
        except ReferenceError:
            bad.append(cite)
    return bad


def check_cited(text: str, *, works: tuple[Work, ...] | None = None) -> str | None:
    """None if ``text`` cites at least one work and every citation resolves; else what is wrong, in words."""
    bad = unresolved(text, works)
    if bad:
        return "cites work(s) not in the course bibliography (data/references.toml): " + "; ".join(bad)
    if citations(text, works) or (LEGACY_SECTION_CITES_ALLOWED and LEGACY_SECTION_CITE.search(text)):
        return None
    return "must cite the course bibliography, for example '(Weissman et al., 2018)'"


def works_for_ids(ids, works: tuple[Work, ...] | None = None) -> list[Work]:
    """The works that carry the given fact-sheet source ids (developers' pointers such as "S42"), in order."""
    works = load_works() if works is None else works
    out = []
    for sid in ids:
        for work in works:
            if sid in work.ids and work not in out:
                out.append(work)
    return out


def cite_ids(ids, works: tuple[Work, ...] | None = None) -> str:
    """"IPT Institute, n.d.-a; ISIPT, n.d.-a" for the source ids ``ids``: what a student sees instead of S-ids."""
    return "; ".join(w.cite for w in works_for_ids(ids, works))
