"""Assignment 1 (problem areas): the sample class, with the scores each profile must get (8 autograded)."""

from __future__ import annotations

import nbformat

from ...problem_areas import ProblemArea
from .profile import Profile, blank, find_cell, set_answer, set_essay, wrong_area

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
    "which is the change closest to onset, so the formulation links the depression to it (Focus review, 2006; Markowitz, 2016). I would "
    "confirm the diagnosis with the PHQ-9 and tell the client the band; ask about thoughts of death or self-harm "
    "and, if the answer were positive, assess further, write a safety plan with the client and tell my supervisor "
    "that day; and ask whether the GP should assess the need for medication (Weissman et al., 2018; Simon et al., 2013; Focus review, 2006). Another area "
    "could be argued from the withdrawal, but the history shows a full social life before the event, so it is not "
    "the focus (Weissman et al., 2018; Markowitz, 2016). I would check this formulation with the client and agree the focus and the time "
    "limit in the treatment contract."
)
THIN_ESSAY = "I think it is this area because of how the person feels now."



def _answer_all(nb, key, *, wrong=(), forms=False):
    for i, (case, area) in enumerate(key.items()):
        chosen = wrong_area(area) if case in wrong else area
        text = ODD_FORMS[chosen][i % 2] if forms else chosen.label
        set_answer(nb, case, repr(text))


def _perfect(nb, key):
    _answer_all(nb, key)
    set_essay(nb, GOOD_ESSAY)



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
    cell = find_cell(nb, "case_4_answer")
    cell.source = "while True:   # a loop that never ends\n    pass\ncase_4 = " + repr(key["4"].label)


def _deleted(nb, key):
    _answer_all(nb, key, wrong=("1",))
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") not in {"case_1_test", "case_2_test"}]


def _edited(nb, key):
    _answer_all(nb, key, wrong=("3", "4"))
    find_cell(nb, "case_3_test").source = "print('all good')"
    find_cell(nb, "case_4_test").source = "from ipt_lib.grading import check_answer_format\ncheck_answer_format('case_4')"
    set_essay(nb, GOOD_ESSAY)


def sample_class(key: dict | None = None) -> list[Profile]:
    """The sample submissions the instructor command grades, with the scores they must get (8 autograded).

    Like every sample class here it takes the assignment's key (``registry.Assignment.sample_class``); the classes
    that derive their answers from the key when they edit a notebook do not need it beforehand."""
    return [
        Profile("ada", "perfect: every case right, a full written answer", _perfect, 8, 4,
                "All four rubric elements are present."),
        Profile("ben", "blank: opened the notebook and submitted it untouched", blank, 0, 0,
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
