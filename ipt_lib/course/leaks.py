"""One check for leaks: does anything a student can read hold a solution, a hidden test or a graded key?

Scans folders, notebooks, wheels (zip) and sdists (tar.gz) for:

- lines of hidden tests and solutions from source/ that tie a case to its answer;
- graded vignettes' rationales and hard points (the written-out key);
- answer labels in recoverable forms: base64, hex, rot13, and md5/sha1/sha256 digests of every label
  (the space of answers is tiny, so a hash of one is as good as the label), alone or with a case id;
- hidden-test lines and graded rationales in disguise: with spaces and punctuation stripped, reversed, and inside
  any base64 or hex run in the text (decoded, then stripped and reversed too), as a student's code might print them;
- answer labels in notebook or cell metadata, and outputs stored in student-facing notebooks;
- graded cases in a case file carrying more than their public fields.

    ipt-course check-leaks [PATH ...]      (default: release/, notebooks/ and the ipt_lib package)
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..grading import KEYED_CHECKS
from ..problem_areas import DisputeStage, ProblemArea
from ..vignettes import Vignette, load_vignettes

PUBLIC_FIELDS = {"id", "title", "kind", "population", "age_band", "condition", "setting", "text", "content_note",
                 "case"}
MARKERS = ("### BEGIN HIDDEN TESTS", "### BEGIN SOLUTION", "### END HIDDEN TESTS")


@dataclass(frozen=True)
class Leak:
    path: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}"


@dataclass
class Secrets:
    lines: list[str]
    phrases: list[str]
    encoded: dict[str, str]  # encoded form -> what it encodes
    graded_ids: set[str]
    # lines and phrases secret only until grading: a drill's rubric and model replies, which the graded notebook
    # and the feedback show (a subset of ``lines`` and ``phrases``)
    until_feedback: set[str] = field(default_factory=set)

    def after_grading(self) -> "Secrets":
        """What must still not reach a student once feedback is returned (for the feedback and the homes)."""
        keep = self.until_feedback
        return Secrets([s for s in self.lines if s not in keep], [s for s in self.phrases if s not in keep],
                       self.encoded, self.graded_ids)


def labels() -> list[str]:
    return list(ProblemArea.labels()) + [s.value for s in DisputeStage]


def _encodings(text: str) -> dict[str, str]:
    raw = text.encode()
    forms = {
        base64.b64encode(raw).decode(): "base64",
        base64.b64encode(raw).decode().rstrip("="): "base64",
        raw.hex(): "hex",
        codecs.encode(text, "rot13"): "rot13",
    }
    for name in ("md5", "sha1", "sha256"):
        forms[hashlib.new(name, raw).hexdigest()] = name
    return forms


def collect_secrets(root: Path, vignettes: list[Vignette] | None = None) -> Secrets:
    """What must never reach a student, read from source/ and data/ in the repository ``root``."""
    answer_labels = labels()
    from .cells import SHOWN_AFTER_GRADING

    lines: list[str] = []
    until_feedback: set[str] = set()
    for path in sorted((root / "source").rglob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            shown_later = SHOWN_AFTER_GRADING in cell.source
            inside = False
            for line in cell.source.splitlines():
                if any(m in line for m in ("### BEGIN HIDDEN TESTS", "### BEGIN SOLUTION")):
                    inside = True
                elif any(m in line for m in ("### END HIDDEN TESTS", "### END SOLUTION")):
                    inside = False
                elif inside:
                    stripped = line.strip()
                    # Lines tying a case to its answer; a bare "'grief'" is everywhere and checked structurally.
                    keyed = any(f"{name}(" in stripped for name in KEYED_CHECKS + ("assert_computed",))
                    if keyed or (any(label in stripped for label in answer_labels)
                                 and stripped.strip("'\" ") not in answer_labels):
                        lines.append(stripped)
                        if shown_later:
                            until_feedback.add(stripped)
    vignettes = vignettes if vignettes is not None else load_vignettes(root / "data" / "vignettes")
    phrases = []
    for v in vignettes:
        if v.is_graded:
            phrases.append(" ".join(v.rationale.split())[:80])
            if v.hard_point:
                phrases.append(" ".join(v.hard_point.split())[:80])
    transcripts_dir = root / "data" / "transcripts"
    if transcripts_dir.is_dir():
        from ..transcripts import load_transcripts

        found = load_transcripts(transcripts_dir)

        def rationales(graded: bool) -> set[str]:
            return {" ".join(turn.rationale.split())[:80] for t in found if t.is_graded == graded
                    for turn in t.turns if len(turn.rationale) > 30}

        # a rationale worded the same in a practice transcript (whose key students may see) is not a secret
        phrases += sorted(rationales(True) - rationales(False))
    graded_keys, drills = fidelity_secrets(root)
    from .assignment8 import secrets as portfolio_rubrics

    rubrics = portfolio_rubrics(root)  # Assignment 8's rubrics and model answers: shown in feedback, after grading
    phrases += graded_keys + drills + rubrics
    until_feedback.update(drills + rubrics)
    encoded: dict[str, str] = {}
    case_ids = [v.id for v in vignettes if v.is_graded] + [str(i) for i in range(1, 21)]
    for label in answer_labels:
        for variant in {label, label.upper(), label.title(), label.replace(" ", "_")}:
            for form, how in _encodings(variant).items():
                encoded[form] = f"{how} of {label!r}"
            for case in case_ids:
                for salted in (f"{case}{variant}", f"{case}:{variant}", f"case_{case}:{variant}"):
                    for name in ("md5", "sha1", "sha256"):
                        encoded[hashlib.new(name, salted.encode()).hexdigest()] = f"{name} of {salted!r}"
    return Secrets(lines, phrases, encoded, {v.id for v in vignettes if v.is_graded}, until_feedback)


def fidelity_secrets(root: Path) -> tuple[list[str], list[str]]:
    """Assignment 7's written-out keys as (graded excerpts' reasons and lapse notes, drills' rubrics and model
    replies). The first stay secret; the second until grading (the feedback shows them). The calibration excerpt's
    key is public."""
    graded: set[str] = set()
    drills: set[str] = set()
    phrases = graded

    def add(text: str) -> None:
        if len(text) > 30:
            phrases.add(" ".join(text.split())[:80])

    if (root / "data" / "fidelity").is_dir():
        from .fidelity_key import load_keys

        for key in load_keys(root / "data" / "fidelity").values():
            if key.use == "graded":
                for _, dimension in key.dimensions:
                    add(dimension.why)
                for lapse in key.lapses:
                    add(lapse.note)
    phrases = drills
    if (root / "data" / "drills").is_dir():
        from .drill_feedback import load_drill_keys

        for drill in load_drill_keys(root / "data" / "drills").values():
            r = drill.rubric
            for text in (r.fits, r.how, *r.must, *r.must_not, *r.then):
                add(text)
            for model in drill.models:
                add(model.reply)
                add(model.why)
    return sorted(graded), sorted(drills - graded)


MIN_DISGUISED = 12  # a hidden line shorter than this, stripped to letters and digits, is too common to search for
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){8,}")
_TOKEN = re.compile(r"[A-Za-z0-9+/]+={0,2}")  # a base64 or hex token, as a whole


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _decoded_runs(text: str) -> list[tuple[str, str]]:
    """(how, decoded text) for every base64 or hex run in ``text`` that decodes to mostly printable text."""
    out = []
    for how, pattern in (("base64", _BASE64_RUN), ("hex", _HEX_RUN)):
        for match in pattern.finditer(text):
            run = match.group(0)
            try:
                raw = bytes.fromhex(run) if how == "hex" else base64.b64decode(run + "=" * (-len(run) % 4))
            except ValueError:
                continue
            decoded = raw.decode("utf-8", errors="ignore")
            if decoded and sum(c.isprintable() or c.isspace() for c in decoded) >= 0.9 * len(decoded):
                out.append((how, decoded))
    return out


def disguised_views(text: str) -> dict[str, str]:
    """The text as a disguising printer might leave it, each reduced to lower-case letters and digits."""
    flat = _alnum(text)
    views = {"with spaces and punctuation stripped": flat, "reversed": flat[::-1]}
    decoded = [_alnum(blob) for _, blob in _decoded_runs(text)]
    if decoded:
        joined = " ".join(decoded)
        views["inside a base64 or hex run"] = joined
        views["reversed inside a base64 or hex run"] = joined[::-1]
    return views


def _scan_disguised(name: str, text: str, secrets: Secrets, already: set[str]) -> list[Leak]:
    targets = [(line, "hidden test or solution line") for line in secrets.lines if line not in already]
    targets += [(phrase, "a graded rationale") for phrase in secrets.phrases if phrase not in already]
    targets = [(_alnum(t), t, what) for t, what in targets]
    targets = [t for t in targets if len(t[0]) >= MIN_DISGUISED]
    if not targets:
        return []
    found = []
    for how, view in disguised_views(text).items():
        for key, original, what in targets:
            if original not in already and key in view:
                found.append(Leak(name, f"{what} in disguise ({how}): {original[:40]!r}"))
                already.add(original)
    return found


def _scan_text(name: str, text: str, secrets: Secrets, *, student_facing: bool) -> list[Leak]:
    found = []
    plain: set[str] = set()
    if student_facing and name.endswith((".ipynb", ".html", ".json", ".md", ".txt")):
        for marker in MARKERS:
            if marker in text:
                found.append(Leak(name, f"nbgrader marker {marker!r}"))
    flat = " ".join(text.split())  # also as one line: graded messages are wrapped (see wraplines.py)
    for line in secrets.lines:
        if line in text or (len(line) > 20 and " ".join(line.split()) in flat):
            found.append(Leak(name, f"hidden test or solution line {line!r}"))
            plain.add(line)
    for phrase in secrets.phrases:
        if phrase in flat:
            found.append(Leak(name, f"a graded rationale: {phrase[:40]!r}..."))
            plain.add(phrase)
    # An encoded or hashed label counts when it stands alone (an answer someone encoded): found as a whole
    # base64/hex token, not inside a longer run, where it is only a label that happens to sit at an aligned offset
    # of some encoded public text (a practice case's rationale); what such runs decode to is judged below.
    tokens = set(_TOKEN.findall(text))
    tokens |= {token.rstrip("=") for token in tokens}
    for form, what in secrets.encoded.items():
        if len(form) >= 8 and (form in tokens if what.split()[0] != "rot13" else form in text):
            found.append(Leak(name, f"an answer in recoverable form ({what})"))
    found += _scan_disguised(name, text, secrets, plain)
    return found


def _scan_notebook(name: str, text: str, secrets: Secrets) -> list[Leak]:
    found = []
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception:  # noqa: BLE001 - not a notebook after all
        return found
    meta_texts = [("notebook metadata", json.dumps(nb.metadata))]
    meta_texts += [(f"cell {c.get('id')} metadata", json.dumps({k: v for k, v in c.metadata.items()
                                                                 if k != "nbgrader"})) for c in nb.cells]
    for where, blob in meta_texts:
        for label in labels():
            if label in blob.lower():
                found.append(Leak(name, f"an answer label {label!r} in {where}"))
    for cell in nb.cells:
        if cell.get("outputs"):
            found.append(Leak(name, f"stored outputs in cell {cell.get('id')} (student versions are committed clean)"))
            break
    return found


def _scan_case_file(name: str, text: str, secrets: Secrets) -> list[Leak]:
    found = []
    try:
        data = json.loads(text)
    except ValueError:
        return found
    cases = data.get("cases") if isinstance(data, dict) else None
    for case in cases or []:
        if isinstance(case, dict) and (case.get("kind") == "graded" or case.get("id") in secrets.graded_ids):
            extra = sorted(set(case) - PUBLIC_FIELDS)
            if extra:
                found.append(Leak(name, f"graded case {case.get('id')} carries {', '.join(extra)}"))
    return found


def scan_blob(name: str, data: bytes, secrets: Secrets, *, student_facing: bool = True) -> list[Leak]:
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [leak for member in archive.namelist() if not member.endswith("/")
                    for leak in scan_blob(f"{name}!{member}", archive.read(member), secrets)]
    if name.endswith((".tar.gz", ".tgz")):
        found = []
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                if member.isfile():
                    if "/data/vignettes/" in member.name or "/source/" in member.name:
                        found.append(Leak(f"{name}!{member.name}", "instructor-only file in the archive"))
                    found += scan_blob(f"{name}!{member.name}", archive.extractfile(member).read(), secrets)
        return found
    text = data.decode("utf-8", errors="replace")
    found = _scan_text(name, text, secrets, student_facing=student_facing)
    if name.endswith(".ipynb") and student_facing:
        found += _scan_notebook(name, text, secrets)
    if name.endswith(".json"):
        found += _scan_case_file(name, text, secrets)
    return found


def scan(paths: list[Path], secrets: Secrets, *, student_facing: bool = True) -> list[Leak]:
    """Every leak in the files under ``paths`` (folders are walked; archives are opened)."""
    found: list[Leak] = []
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            found += scan_blob(str(file), file.read_bytes(), secrets, student_facing=student_facing)
    return found


def scan_feedback(folder: Path, secrets: Secrets) -> list[Leak]:
    """Feedback shows the student's own answers and the checks' verdicts, never hidden tests or keys."""
    return scan([folder], secrets, student_facing=True)
