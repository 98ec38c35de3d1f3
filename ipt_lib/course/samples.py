"""A simulated class: sample submissions made from the released notebook.

Each profile is what real students do: a perfect answer, a blank one, answers in
odd but valid formats, invalid answers, a notebook that raises, one that loops
forever, deleted and edited test cells.  Each profile states the score it must
get, so the grading cycle can be checked end to end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from ..problem_areas import ProblemArea

# Odd but valid ways of writing each area (case, spacing, plural, punctuation, literature names).
ODD_FORMS = {
    ProblemArea.GRIEF: ["Grief and Loss", "  complicated bereavement. "],
    ProblemArea.ROLE_DISPUTE: ["Interpersonal Role-Disputes!", "ROLE_DISPUTE"],
    ProblemArea.ROLE_TRANSITION: ["role transitions", "'Life change'"],
    ProblemArea.INTERPERSONAL_DEFICITS: ["interpersonal sensitivity", "Interpersonal_Deficits"],
}

GOOD_ESSAY = (
    "I chose the area because the cues in the case point to it: I quote two phrases from the card and say what "
    "each shows about the client's relationships. The symptoms began a few weeks after the interpersonal event, "
    "which is the change closest to onset, so the formulation links the depression to it (ref §2.4). Another area "
    "could be argued from the withdrawal, but the history shows a full social life before the event, so it is not "
    "the focus (ref §3.4, §3.5). I would check this formulation with the client and agree the focus and the time "
    "limit in the treatment contract."
)
THIN_ESSAY = "I think it is this area because of how the person feels now."


def wrong_area(area: ProblemArea) -> ProblemArea:
    """A deterministic wrong answer: the next area in the course's order."""
    areas = list(ProblemArea)
    return areas[(areas.index(area) + 1) % len(areas)]


@dataclass
class Profile:
    """One sample student: how they fill in the notebook and the score it must earn."""

    student: str
    description: str
    edit: Callable[[nbformat.NotebookNode, dict[str, ProblemArea]], None]
    expected_auto: float
    manual_score: float | None = None
    manual_comment: str = ""
    notes: list[str] = field(default_factory=list)
    rename_to: str | None = None  # submit the notebook under another name (a common slip)
    prepare: Callable[[Path, dict], None] | None = None  # writes files beside the notebook (inventory.json)


# --- notebook surgery -----------------------------------------------------------

def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def set_answer(nb: nbformat.NotebookNode, case: str, expression: str) -> None:
    """Write ``case_N = <expression>`` into a case's answer cell, as a student would."""
    _cell(nb, f"case_{case}_answer").source = f"# Your answer for Case {case}\ncase_{case} = {expression}"


def set_essay(nb: nbformat.NotebookNode, text: str) -> None:
    _cell(nb, "justify_answer").source = text


def _answer_all(nb, key, *, wrong=(), forms=False):
    for i, (case, area) in enumerate(key.items()):
        chosen = wrong_area(area) if case in wrong else area
        text = ODD_FORMS[chosen][i % 2] if forms else chosen.label
        set_answer(nb, case, repr(text))


def _perfect(nb, key):
    _answer_all(nb, key)
    set_essay(nb, GOOD_ESSAY)


def _blank(nb, key):
    pass


def _partial(nb, key):
    _answer_all(nb, key, wrong=("6", "7", "8"))
    set_essay(nb, GOOD_ESSAY.split(". Another area")[0] + ".")


def _formats(nb, key):
    _answer_all(nb, key, forms=True)
    set_essay(nb, THIN_ESSAY)


def _invalid(nb, key):
    _answer_all(nb, key)
    set_answer(nb, "4", repr("grieve"))
    set_answer(nb, "5", repr(""))
    set_answer(nb, "6", "3")
    set_answer(nb, "7", repr("grief and role dispute"))
    set_answer(nb, "8", repr("loss"))


def _raises(nb, key):
    _answer_all(nb, key)
    set_answer(nb, "2", "grief   # forgot the quotes: NameError")
    set_answer(nb, "3", repr(key["3"].label) + " + 1/0")
    boom = nbformat.v4.new_code_cell("raise RuntimeError('a cell the student added that fails')", id="student-boom")
    nb.cells.insert(2, boom)
    set_essay(nb, THIN_ESSAY)


def _loops(nb, key):
    _answer_all(nb, key)
    cell = _cell(nb, "case_4_answer")
    cell.source = "while True:   # a loop that never ends\n    pass\ncase_4 = " + repr(key["4"].label)


def _deleted(nb, key):
    _answer_all(nb, key, wrong=("1",))
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") not in {"case_1_test", "case_2_test"}]


def _edited(nb, key):
    _answer_all(nb, key, wrong=("3", "4"))
    _cell(nb, "case_3_test").source = "print('all good')"
    _cell(nb, "case_4_test").source = "from ipt_lib.grading import check_answer_format\ncheck_answer_format('case_4')"
    set_essay(nb, GOOD_ESSAY)


def sample_class() -> list[Profile]:
    """The sample submissions the instructor command grades, with the scores they must get (8 autograded)."""
    return [
        Profile("ada", "perfect: every case right, a full written answer", _perfect, 8, 4,
                "All four rubric elements are present."),
        Profile("ben", "blank: opened the notebook and submitted it untouched", _blank, 0, 0,
                "No answer was written."),
        Profile("chen", "partly right: five cases right, three wrong", _partial, 5, 3,
                "Cues and timing are good; no alternative area is discussed."),
        Profile("dara", "odd but valid formats: 'Grief and Loss', 'ROLE_DISPUTE', ...", _formats, 8, 1,
                "Names an area but quotes no cues and gives no timing."),
        Profile("eli", "invalid answers: a misspelling, empty, a number, two areas, 'loss'", _invalid, 3),
        Profile("femi", "raises: an added failing cell, a missing quote, a division by zero", _raises, 6, 1,
                "Names an area only."),
        Profile("gus", "loops forever in one answer cell (cut by the timeout)", _loops, 7),
        Profile("hana", "deleted two test cells (one of them for a wrong answer)", _deleted, 7),
        Profile("ivan", "edited two test cells to pass wrong answers", _edited, 6, 4,
                "All four rubric elements are present."),
    ]


# --- Assignment 2: the interpersonal inventory ----------------------------------------------------------
# Every answer below is derived from the key at run time (data/assignments), never written here.

def _inventory(folder: Path, client: str, people: list[dict]) -> None:
    from ..inventory import Inventory

    inventory = Inventory(client)
    for person in people:
        inventory.add(**person)
    inventory.save(folder / "inventory.json")


def _key_people(key: dict) -> list[dict]:
    """The model inventory's people, reduced to the fields a student would enter quickly."""
    keep = ("name", "relationship", "ring", "conflict", "supportive", "problem_area")
    return [{k: v for k, v in person.items() if k in keep} for person in key["people"]]


def _tied(key: dict, template: str = "{}") -> str:
    return repr(template.format(key["tied_person"][0].title()))


def _answers(tied, area, essay: str = ""):
    """tied/area: functions of the key giving the Python expression the student typed."""
    def edit(nb, key):
        _cell(nb, "tied_person_answer").source = f"tied_person = {tied(key)}"
        _cell(nb, "area_answer").source = f"area = {area(key)}"
        if essay:
            _cell(nb, "reflection_answer").source = essay
    return edit


REFLECTION = ("The two people on the inner ring are the partner and the baby; the partner is also the person whose "
              "expectations about care and housework no longer match the client's. The low mood began weeks after "
              "that agreement broke and follows their clashes, so that relationship is the focus. I would still ask "
              "about her own family and friends, who are missing from the inventory.")


def _other_area(key: dict) -> str:
    return repr(wrong_area(ProblemArea(key["area"])).label)


def inventory_class() -> list[Profile]:
    """Sample submissions for Assignment 2, with the scores they must get (4 autograded)."""
    def good(folder, key):
        _inventory(folder, key["client"], _key_people(key))

    def crowded(folder, key):
        inner = [p for p in _key_people(key) if p["ring"] == "inner"]
        extra = [dict(name=f"Friend {i}", relationship="friend", ring="inner") for i in range(1, key["max_others"] + 2)]
        _inventory(folder, key["client"], inner + extra)

    def corrupt(folder, key):
        (folder / "inventory.json").write_text('{"kind": "ipt-interpersonal-inventory", "schema_ver')

    def one_moved(folder, key):
        people = _key_people(key)
        inner = [p for p in people if p["ring"] == "inner"]
        inner[-1]["ring"] = "middle"  # the second person the cues put closest, placed one ring out
        _inventory(folder, key["client"], people)

    right_area = lambda key: repr(key["area"])  # noqa: E731
    return [
        Profile("ada", "perfect: inventory built in the widget, right answers",
                _answers(_tied, right_area, REFLECTION), 4, 3, "Specific, justified, names a gap.", prepare=good),
        Profile("ben", "blank: no inventory, no answers", _blank, 0, 0, "No answer was written."),
        Profile("chen", "crowded inner ring (beyond the tolerance of other people there)",
                _answers(lambda k: _tied(k, "her partner {}"), lambda k: repr(k["area"].upper().replace(" ", "_"))),
                2, prepare=crowded),
        Profile("dara", "inventory file missing; answers right", _answers(lambda k: _tied(k, "{} (partner)"),
                                                                          right_area), 2),
        Profile("eli", "inventory file damaged (cut off); answers right", _answers(_tied, right_area), 2,
                prepare=corrupt),
        Profile("femi", "wrong person and area; one inner person placed on the middle ring",
                _answers(lambda k: repr("Nobody in particular"), _other_area), 1, prepare=one_moved),
    ]


# --- Assignment 3: analysing an IPT caseload ----------------------------------------------------------------
# The code the sample students type is in data/assignments/a3_caseload.py (it contains right answers), passed in
# as key["module"]; here are only who does what and the score each must get (10 autograded points).

def _caseload(pick: Callable[[object], dict[str, str]], essay: str | None = None, figure: bool = False,
              extra: Callable[[nbformat.NotebookNode], None] | None = None):
    def edit(nb, key):
        module = key["module"]
        for name, code in pick(module).items():
            _cell(nb, f"{name}_answer").source = f"# {name}\n" + code.strip()
        if figure:
            _cell(nb, "figure_answer").source = module.FIGURE_SOLUTION.strip()
        if essay is not None:
            _cell(nb, "interpret_answer").source = getattr(module, essay)
        if extra:
            extra(nb)
    return edit


def _with(**changes: str) -> Callable[[object], dict[str, str]]:
    """All model answers, with some replaced by a table of variants in the key module (MISTAKE_CODE, ...)."""
    def pick(module):
        code = dict(module.SOLUTIONS)
        for table, names in changes.items():
            for name in names.split():
                code[name] = getattr(module, table)[name]
        return code
    return pick


def _raise_in(name: str, code: str) -> Callable[[object], dict[str, str]]:
    def pick(module):
        return {**module.SOLUTIONS, name: code}
    return pick


def _tamper_tests(nb) -> None:
    for name in ("response_rate", "deteriorated"):
        _cell(nb, f"{name}_test").source = f"print('{name}: correct.')"


def caseload_class() -> list[Profile]:
    """Sample submissions for Assignment 3 with the autograded score each must get (out of 10)."""
    every = _with()
    return [
        Profile("ada", "perfect: every answer computed, figure and interpretation complete",
                _caseload(every, "ESSAY_GOOD", figure=True), 10, {"figure_answer": 3, "interpret_answer": 4},
                "Right quantity, readable, honest caption; all four rubric elements."),
        Profile("ben", "blank: submitted untouched", _blank, 0, {"figure_answer": 0, "interpret_answer": 0},
                "No answer was written."),
        Profile("chen", "typical mistakes: completers only, PHQ-9 of 5 as remission, sessions for weeks, "
                "one wrong id", _caseload(_with(MISTAKE_CODE="response_rate remission_rate median_weeks_to_response "
                                                             "deteriorated"), "ESSAY_THIN"),
                6.2, {"interpret_answer": 1}, "Draws a causal conclusion; no caveats about counting."),
        Profile("dara", "odd but valid formats: a one-row Series, numpy values, keys in capitals, ids in "
                "lower case", _caseload(_with(ODD_FORMS="response_rate remission_rate response_by_area "
                                                        "dropout_by_setting deteriorated")), 10),
        Profile("eli", "bad formats: a percentage, an area left out, one id as text",
                _caseload(_with(BAD_FORMS="response_rate response_by_area deteriorated")), 6.5),
        Profile("femi", "an answer cell raises (a misspelt column)",
                _caseload(_raise_in("dropout_by_setting",
                                    'dropout_by_setting = (clients["dropped_out"] == "yes").groupby(clients["Setting"]).mean()')),
                9),
        Profile("gus", "loops forever in one answer cell (cut by the timeout)",
                _caseload(_raise_in("median_lag_days", "while True:\n    pass")), 9),
        Profile("hana", "replaced two test cells with print('correct'), answers right", _caseload(every,
                extra=_tamper_tests), 10),
    ]
