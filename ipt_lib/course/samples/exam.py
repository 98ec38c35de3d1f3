"""The final exam: each sample answers the items drawn for them.

``key`` is {"bank": public bank, "keys": question -> {item: answer}} (assignment6.answer_key); answers are
derived from it at run time for the student's own variant."""

from __future__ import annotations

from .profile import Profile, blank, find_cell, wrong_area

def exam_answers(key: dict, student: str) -> dict[str, object]:
    """The right answer to each question for ``student``'s variant."""
    from ...exam import pick

    return {slot: answers[pick(student, slot, answers)] for slot, answers in key["keys"].items()}


def _exam_literal(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else repr(value)


def _wrong_exam_answer(kind: str, value: object) -> object:
    from ...problem_areas import DisputeStage, ProblemArea
    from ...techniques import Technique

    if kind == "area":
        return wrong_area(ProblemArea.parse(value)).label
    if kind == "stage":
        stages = [s.label for s in DisputeStage]
        return stages[(stages.index(value) + 1) % 3]
    if kind == "technique":
        labels = list(Technique.labels())
        return labels[(labels.index(value) + 1) % len(labels)]
    if kind == "band":
        return "severe" if value != "severe" else "mild"
    if kind == "yesno":
        return "no" if value == "yes" else "yes"
    if kind == "choice":
        return "ABCD"[("ABCD".index(value) + 1) % 4]
    return value + 1


def exam_edit(student: str, change=None, essay: str = "", answer_as: str | None = None):
    def edit(nb, key):
        kinds = {slot: spec["kind"] for slot, spec in key["bank"]["slots"].items()}
        answers = exam_answers(key, answer_as or student)
        for slot, value in answers.items():
            source = f"{slot} = {_exam_literal(value)}"
            if change and slot in change:
                source = change[slot](slot, kinds[slot], value)
            find_cell(nb, f"{slot}_answer").source = source
        if essay:
            find_cell(nb, "formulation_answer").source = essay
    return edit


def _exam_wrong(slot, kind, value):
    return f"{slot} = {_exam_literal(_wrong_exam_answer(kind, value))}"


ODD_EXAM = {
    "area": lambda v: {"grief": "Grief and loss", "role dispute": "ROLE_DISPUTES", "role transition": "life change",
                       "interpersonal deficits": "interpersonal sensitivity"}[v],
    "stage": lambda v: v.upper() + "!",
    "technique": lambda v: {"role play": "roleplay"}.get(v, v.title()),
    "band": lambda v: {"none-minimal": "minimal", "moderately severe": "Moderately-Severe"}.get(v, v.capitalize()),
    "yesno": lambda v: v == "yes",
    "number": lambda v: float(v),
    "choice": lambda v: f"({v.lower()})",
}


def _exam_odd(slot, kind, value):
    return f"{slot} = {ODD_EXAM[kind](value)!r}"


def _exam_invalid(slot, kind, value):
    bad = {"q1": "'grieve and dispute'", "q7": "'maybe'", "q9": repr(f"{value} or {_wrong_exam_answer(kind, value)}")}
    return f"{slot} = {bad[slot]}"


FORMULATION_GOOD = ("Case report: low mood began six weeks after the interpersonal event the case describes, which is the change "
    "closest to onset. Inventory: partner and sister on the inner ring, colleagues on the middle ring; the partner "
    "is supportive but the expectations about the new role are unspoken. Diagnosis, risk and medication: PHQ-9 at "
    "intake to confirm the diagnosis and its band; I would ask about thoughts of death or self-harm and, if "
    "positive, assess further, make a safety plan and tell my supervisor the same day; the GP would assess the need "
    "for medication. Formulation: a role transition, not a "
    "dispute, because there is no open clash of expectations; I would say to the client that the depression is tied "
    "to the change and that we will work on the old and new roles. Plan: 12-16 weekly sessions, initial phase up to "
    "session 3, PHQ-9 at intake and every 4 sessions. Self-evaluation: I am unsure whether the withdrawal is "
    "long-standing; supervision would help me take that history.")


def exam_class(key: dict) -> list[Profile]:
    """Sample exams (9 autograded points), each answering the items drawn for that student."""
    from ...exam import pick, read_answer

    kinds = {slot: spec["kind"] for slot, spec in key["bank"]["slots"].items()}
    own, neighbour = exam_answers(key, "femi"), exam_answers(key, "ada")
    borrowed = sum(read_answer(neighbour[s], kinds[s]) == read_answer(own[s], kinds[s]) for s in own)
    same_items = sum(pick("femi", s, key["keys"][s]) == pick("ada", s, key["keys"][s]) for s in own)
    return [
        Profile("ada", "perfect: every drawn item right, a full formulation",
                exam_edit("ada", essay=FORMULATION_GOOD), 9, 6, "All six elements, alternative ruled out."),
        Profile("ben", "blank: submitted untouched", blank, 0, 0, "No answer was written."),
        Profile("chen", "three wrong answers (an area, a technique, a band)",
                exam_edit("chen", {"q1": _exam_wrong, "q4": _exam_wrong, "q6": _exam_wrong}), 6),
        Profile("dara", "odd but valid forms: 'Grief and loss', 'IMPASSE!', True for yes, '(c)' for a letter",
                exam_edit("dara", {slot: _exam_odd for slot in kinds}), 9),
        Profile("eli", "unreadable: two areas at once, 'maybe', two letters at once",
                exam_edit("eli", {"q1": _exam_invalid, "q7": _exam_invalid, "q9": _exam_invalid}), 6),
        Profile("femi", f"answered a neighbour's exam (ada's answers; {same_items} of 9 items happen to match)",
                exam_edit("femi", answer_as="ada"), borrowed),
    ]
