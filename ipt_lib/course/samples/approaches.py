"""Assignment 5 (IPT beside CBT and DBT): the sample class (4 autograded points over 8 statements)."""

from __future__ import annotations

from .profile import Profile, blank, find_cell

def _matching(change=None, essay: str = ""):
    def edit(nb, key):
        answers = dict(key["matching"])
        source = None
        if change:
            answers, source = change(answers)
        find_cell(nb, "matching_answer").source = source or (
            "matching = {\n" + "".join(f"    {i}: {'...' if a is ... else repr(a)},\n" for i, a in answers.items()) + "}")
        if essay:
            find_cell(nb, "discussion_answer").source = essay
    return edit


def _swap_two(answers):
    order = ["IPT", "CBT", "DBT"]
    for i in list(answers)[:2]:
        answers[i] = order[(order.index(answers[i]) + 1) % 3]
    return answers, None


def _long_names(answers):
    names = {"IPT": "Interpersonal Psychotherapy", "CBT": "cognitive behavioral therapy", "DBT": "Linehan's DBT"}
    return {i: names[a] for i, a in answers.items()}, None


def _invalid_matching(answers):
    first, second = list(answers)[:2]
    answers[first] = "psychodynamic"
    answers[second] = ...
    return answers, None


def _unquoted_matching(answers):
    return answers, "matching = {\n" + "".join(f"    {i}: {a},\n" for i, a in answers.items()) + "}"


DISCUSSION_GOOD = (
    "The case suggests an interpersonal-deficits focus: long-standing isolation with no death, dispute or recent "
    "change, which the Guide treats as the area of last resort (Weissman et al., 2018). CBT would target his automatic thoughts "
    "about being unwanted and use behavioural activation; DBT's skills modules would matter only if emotion "
    "regulation were the problem (Stuart, 2006; Weissman & Klerman, 1990). The evidence suggests poorer outcomes with a deficits focus and says to "
    "offer another effective treatment to non-responders (Weissman et al., 2018; Termination chapter, n.d.; Markowitz, 2016); no formal readiness checklist was found "
    "(Weissman et al., 2018; Klerman et al., 1984). I would agree 12 sessions of IPT, give the PHQ-9 at intake and every 4 sessions, and at session 8 "
    "review: without improvement, discuss adding CBT or medication."
)


def approaches_class(key: dict | None = None) -> list[Profile]:
    return [
        Profile("ada", "perfect matching and a full discussion", _matching(essay=DISCUSSION_GOOD), 4, 4,
                "Justified focus, accurate evidence with its limits, concrete review point."),
        Profile("ben", "blank: submitted untouched", blank, 0, 0, "No answer was written."),
        Profile("chen", "two statements matched to the wrong approach", _matching(_swap_two), 3),
        Profile("dara", "full names and odd spellings ('cognitive behavioral therapy', \"Linehan's DBT\")",
                _matching(_long_names), 4),
        Profile("eli", "one approach not in the comparison, one left blank", _matching(_invalid_matching), 3),
        Profile("femi", "answers without quotes: the cell raises NameError, so nothing can be read",
                _matching(_unquoted_matching), 0),
    ]
