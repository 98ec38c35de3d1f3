"""Assignment 8 (the portfolio case): the sample class. Every answer is derived from the key at run time
(data/assignments/a8_portfolio/key.toml, and the scores worked out from data/portfolio), never written here.

22 autograded points: the two inner-ring people (2 each), the tied person (2), the scores (13 parts, 13 points: ten
totals-and-bands, response, remission, item 9), the area (3); 28 by hand (8, 8, 6, 6)."""

from __future__ import annotations

from ...problem_areas import ProblemArea
from .inventory import key_people, write_inventory
from .profile import Profile, blank, find_cell, wrong_area

WRITTEN = ("formulation_answer", "session_plan_answer", "summary_answer", "self_evaluation_answer")
FULL = {"formulation_answer": 8, "session_plan_answer": 8, "summary_answer": 6, "self_evaluation_answer": 6}


def _scores_source(scores: dict) -> str:
    rows = {s: ", ".join(f"{n}: ({t}, {b!r})" for n, (t, b) in scores[s].items()) for s in ("phq9", "gad7")}
    return (f'measures = {{\n    "phq9": {{{rows["phq9"]}}},\n    "gad7": {{{rows["gad7"]}}},\n'
            f'    "response": {scores["response"]!r},\n    "remission": {scores["remission"]!r},\n'
            f'    "item9": {scores["item9"]!r},\n}}')


def _key_scores(key: dict) -> dict:
    m = key["measures"]
    out = {s: {n: (t, bands[0]) for n, (t, bands) in m[s].items()} for s in ("phq9", "gad7")}
    return dict(out, response=m["response"], remission=m["remission"], item9=list(m["item9"]))


def _model_answers() -> dict[str, str]:
    from .. import assignment8
    from ..cells import repo_root

    return {cell: assignment8.rubric(repo_root(), block)[1] for cell, _, block, _ in assignment8.WRITTEN}


def _answers(tied=None, area=None, scores=None, written: bool = True, extra=None):
    """tied/area: functions of the key giving what the student typed; scores: key scores -> the student's."""
    def edit(nb, key):
        find_cell(nb, "tied_person_answer").source = f"tied_person = {(tied or _tied)(key)!r}"
        find_cell(nb, "area_answer").source = f"area = {(area or (lambda k: k['area']))(key)!r}"
        values = _key_scores(key)
        find_cell(nb, "measures_answer").source = (scores(values) if scores else _scores_source(values))
        if written:
            for cell, text in _model_answers().items():
                find_cell(nb, cell).source = text
        if extra:
            extra(nb)
    return edit


def _tied(key: dict) -> str:
    return key["tied_person"][0].title()


def _good_inventory(folder, key):
    write_inventory(folder, key["client"], key_people(key))


def _father_moved_out(folder, key):
    """The father placed on the middle ring (a carer's burden, not a closeness): one inner item lost."""
    people = key_people(key)
    father = key["inner"]["inner_father"]
    for person in people:
        if person["name"].casefold() in father:
            person["ring"] = "middle"
    write_inventory(folder, key["client"], people)


def _typical_scores(values: dict) -> str:
    """Counts the last PHQ-9 of 5 as remission (the cut-off is below 5) and reads item 9 at intake only."""
    return _scores_source(dict(values, remission=not values["remission"], item9=values["item9"][:1]))


def _computed_scores(values: dict) -> str:
    """Works a total out inside the dict: the grader reads the cell without running it, so nothing can be read."""
    first = min(values["phq9"])
    total = values["phq9"][first][0]
    return _scores_source(values).replace(f"{first}: ({total},", f"{first}: (sum([{total}]),", 1)


def _tamper_area_test(nb) -> None:
    find_cell(nb, "area_test").source = "print('area: correct.')"


def _manual(scale: float) -> dict[str, float]:
    return {cell: round(points * scale) for cell, points in FULL.items()}


def portfolio_class(key: dict | None = None) -> list[Profile]:
    other_area = lambda k: wrong_area(ProblemArea(k["area"])).label  # noqa: E731
    return [
        Profile("ada", "perfect: inventory in the widget, every score, the area; the course team's written answers",
                _answers(), 22, dict(FULL), "Each piece does what its rubric asks.", prepare=_good_inventory),
        Profile("ben", "blank: no inventory, no answers", blank, 0, _manual(0), "No answer was written."),
        Profile("cai", "typical errors: father on the middle ring, his wife named as tied, the caring transition as "
                "the area, a PHQ-9 of 5 counted as remission and item 9 read at intake only",
                _answers(tied=lambda k: "Nusrat", area=lambda k: "role transition", scores=_typical_scores), 13,
                _manual(0.5), "The formulation links mood to the caring, not to the broken agreement.",
                prepare=_father_moved_out),
        Profile("dee", "a wrong area, and its test cell replaced with a print of 'correct' (restored at grading)",
                _answers(area=other_area, extra=_tamper_area_test), 19, dict(FULL), prepare=_good_inventory),
        Profile("eli", "no inventory file; a total worked out inside the scores dict (unreadable)",
                _answers(scores=_computed_scores), 5, _manual(0.5)),
    ]
