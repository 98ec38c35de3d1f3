"""The vignette corpus: one TOML file per synthetic case, checked against a schema.

A malformed file fails with a message that names the file and the field::

    python -m ipt_lib.vignettes check data/vignettes      # validate and print coverage

``load_vignettes(folder)`` returns :class:`Vignette` records;
``vignettes_frame(...)`` returns them as a pandas DataFrame (pandas is
imported only then).
"""

from __future__ import annotations

import dataclasses
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, NoReturn

from .content_notes import missing_note_problem, sensitive_phrase
from .corpus import Corpus, CorpusFileError, Field, Fields, Schema
from .problem_areas import DisputeStage, ProblemArea
from .references import check_cited

__all__ = [
    "Vignette", "VignetteError", "Event", "load_vignette", "load_vignettes", "vignettes_frame",
    "default_folder", "SCHEMA", "POPULATIONS", "CONDITIONS", "SETTINGS", "AGE_BANDS", "TIMINGS", "KINDS", "COMORBIDITIES",
    "balance_problems",
]

POPULATIONS = ("adolescent", "adult", "older adult", "perinatal")
CONDITIONS = ("depression", "anxiety", "eating disorder", "PTSD", "bipolar disorder")
# The four conditions every problem area shows; bipolar disorder (IPSRT) appears as its own case.
CORE_CONDITIONS = CONDITIONS[:4]
# Individual IPT, group IPT, conjoint (couple) IPT and family-based IPT (ref bibliography: Dietz et al., 2015).
SETTINGS = ("individual", "group", "couple", "family")
# What else the client lives with, beside the condition treated (a list; empty for most cases).
COMORBIDITIES = ("chronic physical illness", "disability", "substance use", "chronic pain", "anxiety", "PTSD",
                 "eating disorder")
KINDS = ("practice", "graded")
DIFFICULTIES = ("standard", "hard")
TIMINGS = ("before onset", "around onset", "after onset", "no acute event")
AGE_BANDS = ("12-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
BANDS_FOR = {
    "adolescent": AGE_BANDS[:2],
    "adult": AGE_BANDS[2:7],
    "older adult": AGE_BANDS[6:],
    "perinatal": AGE_BANDS[1:6],
}
MIN_WORDS, MAX_WORDS = 120, 300
# Words that would give the answer away inside a vignette's text (see the authoring guide).
GIVEAWAY_WORDS = (
    "grief", "grieving", "bereavement", "bereaved", "mourning", "dispute", "disputes", "role", "roles",
    "transition", "transitions", "deficit", "deficits", "isolation", "isolated", "interpersonal", "ipt",
    "problem area",
)

_ID = re.compile(r"^V\d{2,3}$")


class VignetteError(CorpusFileError):
    """A vignette file does not follow the schema; the message names the file and the field."""

    title = "Vignette file problem"


@dataclass(frozen=True)
class Event:
    """The interpersonal event tied to symptom onset, and when it happened."""

    description: str
    timing: str
    months_before_onset: float | None = None


@dataclass(frozen=True)
class Vignette:
    """One synthetic clinical case (see data/vignettes/_TEMPLATE.toml.example)."""

    id: str
    title: str
    kind: str
    difficulty: str
    gender: str
    background: str
    population: str
    age_band: str
    condition: str
    setting: str
    primary_area: ProblemArea
    cues: tuple[str, ...]
    rationale: str
    event: Event
    text: str
    secondary_area: ProblemArea | None = None
    dispute_stage: DisputeStage | None = None
    phq9_intake: int | None = None
    hard_point: str = ""
    content_note: str = ""
    comorbidities: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def is_graded(self) -> bool:
        return self.kind == "graded"

    def public(self) -> dict:
        """The fields a student may see for a graded item: no label, cue or rationale."""
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "population": self.population,
            "age_band": self.age_band, "condition": self.condition, "setting": self.setting,
            "text": self.text, "content_note": self.content_note,
        }

    def practice(self) -> dict:
        """Everything a practice item may show, answers included."""
        if self.is_graded:
            raise ValueError(f"{self.id} is a graded item: its answer is instructor-only")
        record = self.public()
        record.update(
            primary_area=self.primary_area.label,
            secondary_area=self.secondary_area.label if self.secondary_area else "",
            dispute_stage=self.dispute_stage.label if self.dispute_stage else "",
            cues=list(self.cues), rationale=self.rationale, difficulty=self.difficulty,
            hard_point=self.hard_point, phq9_intake=self.phq9_intake,
            event=dataclasses.asdict(self.event),
        )
        return record


def default_folder() -> Path:
    """data/vignettes in a checkout of the course repository (graded labels are never packaged)."""
    return CORPUS.default_folder()


def load_vignette(path: Path | str) -> Vignette:
    """Read and validate one vignette file."""
    return CORPUS.load(path)


def load_vignettes(folder: Path | str | None = None) -> list[Vignette]:
    """Read every ``*.toml`` vignette in ``folder``, sorted by id; stops at the first bad file."""
    return CORPUS.load_all(folder)


def corpus_summary():
    """Every vignette's public fields (id, kind, population, age_band, condition, setting) as a DataFrame: from
    data/vignettes in a checkout of the course, else from the summary packaged with ipt_lib. No text, no labels."""
    import json

    import pandas as pd

    if default_folder().is_dir():
        records = [{"id": v.id, "kind": v.kind, "population": v.population, "age_band": v.age_band,
                    "condition": v.condition, "setting": v.setting} for v in load_vignettes()]
    else:
        packaged = Path(__file__).resolve().parent / "_data" / "corpus_public.json"
        records = json.loads(packaged.read_text(encoding="utf-8"))["vignettes"]
    return pd.DataFrame(records).set_index("id")


def vignettes_frame(vignettes: Iterable[Vignette] | Path | str | None = None):
    """The corpus as a pandas DataFrame, one row per vignette, indexed by id."""
    import pandas as pd

    if vignettes is None or isinstance(vignettes, (str, Path)):
        vignettes = load_vignettes(vignettes)
    rows = []
    for v in vignettes:
        rows.append({
            "id": v.id, "title": v.title, "kind": v.kind, "difficulty": v.difficulty,
            "population": v.population, "age_band": v.age_band, "gender": v.gender,
            "background": v.background, "condition": v.condition, "setting": v.setting,
            "comorbidities": list(v.comorbidities), "primary_area": v.primary_area.label,
            "secondary_area": v.secondary_area.label if v.secondary_area else None,
            "dispute_stage": v.dispute_stage.label if v.dispute_stage else None,
            "event": v.event.description, "event_timing": v.event.timing,
            "months_before_onset": v.event.months_before_onset, "phq9_intake": v.phq9_intake,
            "words": v.word_count, "cues": list(v.cues), "text": v.text,
        })
    frame = pd.DataFrame(rows)
    return frame.set_index("id") if not frame.empty else frame


# --- validation ----------------------------------------------------------------

def _text(name: str, doc: str, **kinds) -> Field:
    return Field(name, doc, collapse=False, **kinds)  # a vignette's paragraphs stay as written


SCHEMA = Schema((
    _text("id", "V and 2-3 digits (V07), the file's name"),
    _text("title", "the client's first name, age and a detail: \"Tomás, 16, plays in the school band\""),
    _text("kind", "practice (answers may be shown) or graded", kind="choice", choices=KINDS),
    _text("difficulty", "standard or hard", kind="choice", choices=DIFFICULTIES),
    _text("hard_point", "a hard item: what makes it hard", required=False),
    _text("content_note", "required when the case touches suicide, self-harm, violent death or trauma",
          required=False),
    _text("gender", "the client's gender"),
    _text("background", "culture, family, work: specific, not stereotyped"),
    _text("population", "who the client is", kind="choice", choices=POPULATIONS),
    _text("age_band", "an age band that fits the population", kind="choice", choices=AGE_BANDS),
    _text("condition", "what the client is treated for", kind="choice", choices=CONDITIONS),
    _text("setting", "individual, group, couple or family IPT", kind="choice", choices=SETTINGS),
    Field("phq9_intake", "optional: the PHQ-9 total the text states", kind="any", required=False),
    Field("primary_area", "the problem area (the key)", kind="any"),
    Field("secondary_area", "optional: a second problem area", kind="any", required=False),
    _text("dispute_stage", "a role dispute's stage; empty otherwise", required=False),
    Field("cues", "2-8 phrases copied verbatim from the text", kind="any"),
    _text("rationale", "why the label fits, citing the course bibliography"),
    Field("event", "the interpersonal event tied to onset", kind="table", fields=Schema((
        _text("description", "what happened"),
        Field("timing", "before onset, around onset, after onset or no acute event", kind="any"),
        Field("months_before_onset", "negative if after onset; absent when there is no acute event", kind="any",
              required=False),
    ))),
    _text("text", f"the story, {MIN_WORDS}-{MAX_WORDS} words, with no giveaway word"),
    Field("comorbidities", "optional: what else the client lives with", kind="any", required=False),
))


def _validate(path: Path, raw: dict) -> Vignette:
    def fail(name: str, problem: str) -> NoReturn:
        raise VignetteError(path, name, problem)

    values = Fields(raw, fail).read(SCHEMA)
    vid = values["id"]
    if not _ID.match(vid):
        fail("id", f"{vid!r} must look like V07")
    if path.stem.lower() != vid.lower():
        fail("id", f"{vid!r} does not match the file name (expected {vid.lower()}.toml)")

    population, age_band, difficulty, hard_point = (values[k] for k in ("population", "age_band", "difficulty",
                                                                          "hard_point"))
    if age_band not in BANDS_FOR[population]:
        fail("age_band", f"{age_band!r} does not fit population {population!r} ({', '.join(BANDS_FOR[population])})")
    if difficulty == "hard" and not hard_point:
        fail("hard_point", "a hard item must say what makes it hard")
    if difficulty == "standard" and hard_point:
        fail("hard_point", "only hard items have a hard_point")

    def area(name: str) -> ProblemArea | None:
        value = values[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or value.strip() not in ProblemArea.labels():
            fail(name, f"{value!r} is not one of: {', '.join(ProblemArea.labels())}")
        return ProblemArea(value.strip())

    primary = area("primary_area")
    if primary is None:
        fail("primary_area", "is empty")
    secondary = area("secondary_area")
    if secondary is primary:
        fail("secondary_area", "must differ from primary_area")
    stage_text = values["dispute_stage"]
    is_dispute = ProblemArea.ROLE_DISPUTE in (primary, secondary)
    stage = None
    if is_dispute:
        if stage_text not in {s.value for s in DisputeStage}:
            fail("dispute_stage", f"a role dispute needs a stage: {', '.join(s.value for s in DisputeStage)}")
        stage = DisputeStage(stage_text)
    elif stage_text:
        fail("dispute_stage", "only role disputes have a stage (leave it empty)")

    text = values["text"]
    words = len(text.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        fail("text", f"has {words} words; a vignette has {MIN_WORDS}-{MAX_WORDS}")
    lowered = text.lower()
    for word in GIVEAWAY_WORDS:
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            fail("text", f"uses the giveaway word {word!r}; write the cue as a fact of the story instead")

    cues = values["cues"]
    if not isinstance(cues, list) or not all(isinstance(c, str) and c.strip() for c in cues):
        fail("cues", "must be a list of phrases")
    if not 2 <= len(cues) <= 8:
        fail("cues", f"has {len(cues)} phrases; give 2-8")
    flat = " ".join(text.split())
    for cue in cues:
        if " ".join(cue.split()) not in flat:
            fail("cues", f"{cue!r} does not occur verbatim in text")

    rationale = values["rationale"]
    uncited = check_cited(rationale)
    if uncited:
        fail("rationale", uncited)

    description, timing, months = values["event"].values()
    if timing not in TIMINGS:
        fail("event.timing", f"{timing!r} is not one of: {', '.join(TIMINGS)}")
    if timing == "no acute event":
        if months is not None:
            fail("event.months_before_onset", "leave it out when timing is 'no acute event'")
    else:
        if isinstance(months, bool) or not isinstance(months, (int, float)):
            fail("event.months_before_onset", "must be a number of months (negative if after onset)")
        if timing == "before onset" and months <= 0:
            fail("event.months_before_onset", "must be positive when timing is 'before onset'")
        if timing == "after onset" and months >= 0:
            fail("event.months_before_onset", "must be negative when timing is 'after onset'")

    phq9 = values["phq9_intake"]
    if phq9 is not None:
        if isinstance(phq9, bool) or not isinstance(phq9, int) or not 0 <= phq9 <= 27:
            fail("phq9_intake", f"{phq9!r} is not a PHQ-9 total (a whole number 0-27)")
        if not re.search(rf"\b{phq9}\b", text):
            fail("phq9_intake", f"the text does not state the score {phq9}")

    comorbidities = [] if values["comorbidities"] is None else values["comorbidities"]
    if not isinstance(comorbidities, list) or not all(isinstance(c, str) for c in comorbidities):
        fail("comorbidities", "must be a list such as [\"substance use\"] (or leave it out)")
    for item in comorbidities:
        if item not in COMORBIDITIES:
            fail("comorbidities", f"{item!r} is not one of: {', '.join(COMORBIDITIES)}")
    condition = values["condition"]
    if condition in comorbidities:
        fail("comorbidities", f"{condition!r} is the condition treated; list only what else the client lives with")

    content_note = values["content_note"]
    if not content_note:
        for name, value in (("title", values["title"]), ("text", text), ("hard_point", hard_point),
                            ("rationale", rationale), ("event.description", description)):
            phrase = sensitive_phrase(value)
            if phrase:
                fail("content_note", missing_note_problem(phrase, f"'{name}'"))

    return Vignette(
        id=vid, title=values["title"], kind=values["kind"], difficulty=difficulty, gender=values["gender"],
        background=values["background"], population=population, age_band=age_band, condition=condition,
        setting=values["setting"], primary_area=primary, secondary_area=secondary, dispute_stage=stage,
        cues=tuple(cues), rationale=rationale, event=Event(description, timing, months), text=text,
        phq9_intake=phq9, hard_point=hard_point, content_note=content_note,
        comorbidities=tuple(comorbidities), source=str(path),
    )


# --- command line ------------------------------------------------------------

def coverage_table(vignettes: list[Vignette]) -> str:
    """Counts per problem area, crossed with population, condition, setting, kind and difficulty; then the age
    bands and the comorbidities across the corpus."""
    columns = [("population", POPULATIONS), ("condition", CONDITIONS), ("setting", SETTINGS),
               ("kind", KINDS), ("difficulty", DIFFICULTIES)]
    header = ["area".ljust(24), "n".rjust(3)] + [v[:8].rjust(8) for _, values in columns for v in values]
    lines = [" ".join(header)]
    for area in ProblemArea:
        mine = [v for v in vignettes if v.primary_area is area]
        cells = [area.label.ljust(24), str(len(mine)).rjust(3)]
        for name, values in columns:
            cells += [str(sum(getattr(v, name) == value for v in mine)).rjust(8) for value in values]
        lines.append(" ".join(cells))
    total = len(vignettes) or 1
    lines.append("share of cases: " + ", ".join(
        f"{area.label} {sum(v.primary_area is area for v in vignettes) / total:.0%}" for area in ProblemArea))
    stages = {s.label: sum(v.dispute_stage is s for v in vignettes) for s in DisputeStage}
    lines.append("dispute stages: " + ", ".join(f"{k} {n}" for k, n in stages.items()))
    lines.append("age bands: " + ", ".join(f"{b} {sum(v.age_band == b for v in vignettes)}" for b in AGE_BANDS))
    lines.append("comorbidities: " + ", ".join(
        f"{c} {sum(c in v.comorbidities for v in vignettes)}" for c in COMORBIDITIES))
    return "\n".join(lines)


# --- balance rules (issue 15; enforced by `ipt-course check-data`) ----------------------------------------------

# The residual area: a corpus that labels too many cases "deficits" teaches students to reach for it.
MAX_DEFICITS_SHARE = 0.20
MIN_PER_AGE_BAND = 2
# Each of these conditions also in adolescents and in older adults, not only in adults.
SPREAD_CONDITIONS = ("anxiety", "eating disorder", "PTSD")
MIN_COMORBIDITY = {"chronic physical illness": 1, "disability": 1, "substance use": 1}
MIN_CONDITION = {"bipolar disorder": 1}
MIN_SETTING = {"group": 4, "couple": 2, "family": 2}
# Stock details that, repeated, make a corpus read as one template: each may appear in one vignette at most.
STOCK_DETAILS = ("school nurse", "software tester", "never had a friend", "died of heart failure",
                 "twelve-week group for students with low mood")


def first_name(v: Vignette) -> str:
    """The client's first name, from a title such as "Tomás, 16, plays in the school band"."""
    return v.title.split(",")[0].split()[0]


def balance_problems(vignettes: list[Vignette]) -> list[str]:
    """What the corpus as a whole lacks (issue 15's balance and no-trope rules); empty when it is balanced."""
    problems: list[str] = []
    n = len(vignettes)
    if not n:
        return ["the corpus is empty"]
    deficits = sum(v.primary_area is ProblemArea.INTERPERSONAL_DEFICITS for v in vignettes)
    if deficits / n > MAX_DEFICITS_SHARE:
        problems.append(f"interpersonal deficits is the primary area of {deficits} of {n} cases "
                        f"({deficits / n:.0%}); at most {MAX_DEFICITS_SHARE:.0%}, since it is the residual area")
    for band in AGE_BANDS:
        count = sum(v.age_band == band for v in vignettes)
        if count < MIN_PER_AGE_BAND:
            problems.append(f"age band {band} has {count} case(s); at least {MIN_PER_AGE_BAND}")
    for condition in SPREAD_CONDITIONS:
        for population in ("adolescent", "older adult"):
            if not any(v.condition == condition and v.population == population for v in vignettes):
                problems.append(f"no {population} case with {condition}")
    for condition, least in MIN_CONDITION.items():
        count = sum(v.condition == condition for v in vignettes)
        if count < least:
            problems.append(f"{count} case(s) with {condition}; at least {least}")
    for comorbidity, least in MIN_COMORBIDITY.items():
        count = sum(comorbidity in v.comorbidities for v in vignettes)
        if count < least:
            problems.append(f"{count} case(s) living with {comorbidity} (field 'comorbidities'); at least {least}")
    for setting, least in MIN_SETTING.items():
        count = sum(v.setting == setting for v in vignettes)
        if count < least:
            problems.append(f"{count} case(s) in the {setting} setting; at least {least}")
    names: dict[str, str] = {}
    for v in vignettes:
        name = first_name(v)
        if name.lower() in names:
            problems.append(f"{v.id} and {names[name.lower()]} share the first name {name}; give each client "
                            "their own")
        names.setdefault(name.lower(), v.id)
    for phrase in STOCK_DETAILS:
        users = [v.id for v in vignettes if phrase in " ".join((v.text + " " + v.background).lower().split())]
        if len(users) > 1:
            problems.append(f"the stock detail {phrase!r} appears in {', '.join(users)}; keep it to one case")
    for v in vignettes:
        # A quiet adolescent is not a deficits case until the rationale has asked whether the quietness is the
        # family's or the culture's norm (ref bibliography: Lewis-Fernández et al., 2014).
        if (v.population == "adolescent" and v.primary_area is ProblemArea.INTERPERSONAL_DEFICITS
                and "cultur" not in v.rationale.lower()):
            problems.append(f"{v.id}: an adolescent labelled interpersonal deficits; the rationale must ask whether "
                            "the quietness is cultural (the Cultural Formulation Interview) before calling it a deficit")
    return problems


def _balance_lines(vignettes: list[Vignette]) -> tuple[list[str], bool]:
    balance = balance_problems(vignettes)
    head = "balance: " + ("every rule holds" if not balance else f"{len(balance)} rule(s) broken")
    return [head] + [f"BALANCE {line}" for line in balance], bool(balance)


def _main(argv: list[str]) -> int:
    """``check [FOLDER]``: every file's errors, the coverage table and the balance rules."""
    return CORPUS.main(argv, {"check": lambda good: [coverage_table(good)]}, after=_balance_lines)


CORPUS = Corpus("vignette", "vignettes", "vignettes", "ipt_lib.vignettes", VignetteError, _validate, packaged=False)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
