"""Practice for the safety lesson (notebooks/08_safety_and_risk.ipynb): item-level questionnaire patterns and
"what do you do now?" questions, each checked at once with specific feedback.

Nothing here is graded. The clinical content comes from the sources (Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011) (and Weissman et al., 2018; World Health Organization, 2016, its list of
unconfirmed items); where the course teaches its own rule rather than a sourced one (telling the supervisor the
same day, not ending a session without a plan), the feedback says so.

>>> check_review("A", "yes").correct
True
>>> check_next_step("Q1", "b").correct
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .deck import Feedback
from .errors import StudentFacingError
from .measures import read_epds, read_gad7, read_phq9

__all__ = ["ReviewItem", "REVIEW_ITEMS", "review_item", "review_table", "check_review", "NEXT_STEPS",
           "next_step", "check_next_step", "SafetyPracticeError"]


class SafetyPracticeError(StudentFacingError):
    title = "Check your answer"


@dataclass(frozen=True)
class ReviewItem:
    """One completed questionnaire, item by item, and who filled it in."""

    id: str
    scale: str
    items: tuple[int, ...]
    context: str
    note: str = ""   # what the feedback adds, beyond the rule

    def reading(self):
        return {"PHQ-9": read_phq9, "EPDS": read_epds, "GAD-7": read_gad7}[self.scale](self.items)


REVIEW_ITEMS: tuple[ReviewItem, ...] = (
    ReviewItem("A", "PHQ-9", (1, 1, 1, 1, 1, 0, 0, 0, 1), "A 45-year-old man at his first primary-care visit.",
               "A total of 6 is only mild, and that is exactly the trap: the rule reads item 9, not the total (Simon et al., 2013; Simon et al., 2016; Stanley & Brown, 2012)."),
    ReviewItem("B", "PHQ-9", (3, 3, 3, 2, 3, 2, 2, 2, 0), "A 30-year-old woman at intake for IPT.",
               "Item 9 does not call for the review here, but a 0 does not rule risk out: in VA data 71.6% of "
               "suicides were in patients whose most recent item 9 was 'not at all', and mhGAP asks everyone "
               "with depression about thoughts or plans of self-harm at the first assessment (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011). So you "
               "still ask, as part of the assessment."),
    ReviewItem("C", "EPDS", (1, 1, 2, 1, 1, 1, 1, 1, 1, 1), "A mother at her six-week check, scores as written on "
               "the scored form.", "Her total of 11 is below 13; the item-10 rule does not depend on the total "
               "(Cox et al., 1987; Cox & Holden, 2003)."),
    ReviewItem("D", "PHQ-9", (0, 0, 0, 0, 0, 0, 0, 0, 2), "A 17-year-old at a school counselling service.",
               "'More than half the days' is an answer for which Simon and colleagues say additional assessment "
               "is clearly indicated (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011), whatever the total of 2."),
    ReviewItem("E", "EPDS", (2, 2, 3, 2, 2, 2, 3, 2, 2, 0), "A mother eight weeks after the birth.",
               "Item 10 is 0, so the item rule is not triggered, but a total of 20 is well above 13: assess for "
               "possible depression (Cox et al., 1987; Cox & Holden, 2003), and ask about thoughts of self-harm as part of that assessment "
               "(Simon et al., 2013; Posner et al., 2011; Dua et al., 2011)."),
    ReviewItem("F", "GAD-7", (3, 3, 3, 3, 3, 3, 3), "A 52-year-old man with severe worry.",
               "The GAD-7 has no self-harm item, so it cannot tell you anything about suicide risk either way. "
               "If he is depressed too, ask directly (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011)."),
)
_BY_ID = {item.id: item for item in REVIEW_ITEMS}
_YES = {"yes", "y", "true", "review", "risk review", "needed"}
_NO = {"no", "n", "false", "not needed", "none"}


def review_item(item_id: str) -> ReviewItem:
    key = str(item_id).strip().upper()
    if key not in _BY_ID:
        raise SafetyPracticeError(f"There is no practice item {item_id!r}. The items are: {', '.join(_BY_ID)}.")
    return _BY_ID[key]


def review_table():
    """The practice items as a table: the item scores as a client filled them in, without the answers."""
    import pandas as pd

    rows = []
    for item in REVIEW_ITEMS:
        row = {"item": item.id, "scale": item.scale}
        row.update({f"item {n}": str(item.items[n - 1]) if n <= len(item.items) else "" for n in range(1, 11)})
        row["who"] = item.context
        rows.append(row)
    return pd.DataFrame(rows).set_index("item")


def _yes_no(answer: object) -> bool | None:
    if isinstance(answer, bool):
        return answer
    text = str(answer).strip().lower().rstrip(".!")
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise SafetyPracticeError(f"{answer!r} is not an answer here: write \"yes\" (a risk review is needed) or \"no\".")


def check_review(item_id: str, answer: object) -> Feedback:
    """Does this questionnaire, by its self-harm item, call for a risk review? Feedback at once."""
    item = review_item(item_id)
    chosen = _yes_no(answer)
    if chosen is None:
        return Feedback(item.id, None, 'Type "yes" or "no" between the quotes, then run this cell again.')
    reading = item.reading()
    expected = reading.risk_review
    if reading.safety_item is None:
        what = f"GAD-7 total {reading.total} ({reading.band})."
    else:
        what = (f"{reading.scale} item {reading.safety_item} = {reading.items[reading.safety_item - 1]}; "
                f"total {reading.total} ({reading.band}).")
    if chosen == expected:
        verdict = "Yes, a risk review is needed." if expected else "Right: the self-harm item does not trigger it."
        return Feedback(item.id, True, f"{verdict} {what} {item.note}", (reading.advice,))
    if expected:
        message = (f"Not quite: a risk review IS needed. {what} Any answer above 0 on the self-harm item calls for "
                   f"further assessment whatever the total (Simon et al., 2013; Cox et al., 1987; Posner et al., 2011). {item.note}")
    else:
        why = ("this questionnaire has no self-harm item" if reading.safety_item is None
               else "the self-harm item is 0 here")
        message = f"Not by the item rule: {why} (asking is never wrong, though). {what} {item.note}"
    return Feedback(item.id, False, message, (reading.advice,))


# --- "what do you do now?" ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NextStep:
    id: str
    situation: str
    options: dict[str, str]
    best: str
    feedback: dict[str, str]

    def _repr_html_(self) -> str:
        options = "".join(f"<li><b>{html.escape(k)}</b>) {html.escape(v)}</li>" for k, v in self.options.items())
        return (f"<div class='ipt-card' style='border:1px solid #8a8a8a;border-radius:8px;padding:8px 14px;"
                f"max-width:46em'><b>{html.escape(self.id)}.</b> {html.escape(self.situation)}"
                f"<ul style='list-style:none;padding-left:0.5em'>{options}</ul></div>")

    def __str__(self) -> str:
        return f"{self.id}. {self.situation}\n" + "\n".join(f"  {k}) {v}" for k, v in self.options.items())

    __repr__ = __str__


NEXT_STEPS: tuple[NextStep, ...] = (
    NextStep(
        "Q1", "Session 3. While you talk about her sister, a client says quietly: \"Sometimes I think everyone would "
              "be better off without me.\" What do you do first?",
        {"a": "Reassure her that her family would be lost without her.",
         "b": "Ask her directly whether she is having thoughts of ending her life.",
         "c": "Note it, finish the inventory, and come back to it next week.",
         "d": "Ask her to promise that she will not harm herself before the next session."},
        "b",
        {"a": "Reassurance argues with the thought and closes the subject before you know what she meant. Ask "
              "directly first (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011).",
         "b": "Yes. A direct question is the first step; asking about suicide does not provoke it and often "
              "relieves anxiety (mhGAP training materials; World Health Organization, 2012). Then assess further (Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011).",
         "c": "Moving on tells her it cannot be talked about, and the course's rule is not to end a session in which "
              "a client discloses such thoughts without a plan (Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011).",
         "d": "A promise gives her nothing to do on a bad night. Assess, then make a safety plan with her "
              "(Stanley & Brown, 2012; Simon et al., 2013; Dua et al., 2011)."}),
    NextStep(
        "Q2", "You have asked and assessed. She has thoughts several nights a week, no plan, no past attempts, and "
              "a drawer of old prescription tablets at home. The session ends in ten minutes. What now?",
        {"a": "Hand her a crisis-line leaflet and see her next week.",
         "b": "Arrange admission to hospital today.",
         "c": "Make a written safety plan with her now, including what to do about the tablets, tell her you will "
              "speak to your supervisor today, and arrange contact before the next session.",
         "d": "Ask her to sign an agreement that she will call you before acting on the thoughts."},
        "c",
        {"a": "A leaflet is one part of one component (professional and crisis contacts). A safety plan has six "
              "components, made with her (Stanley & Brown, 2012), and the course's rule is to tell your supervisor the same day "
              "(Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011).",
         "b": "mhGAP does not routinely recommend hospitalisation in non-specialist services; if imminent risk is a "
              "concern, consider urgent referral to mental health services (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011). What you know here calls "
              "for a plan made together, and your supervisor's view today.",
         "c": "Yes: a written, collaborative safety plan (Stanley & Brown, 2012), means restriction for the tablets and regular "
              "contact (mhGAP; Dua et al., 2011), and your supervisor the same day. The same-day step is the course's rule, "
              "consistent with the sources, not a quoted IPT requirement (Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011).",
         "d": "This is a no-suicide contract in another form. Practice sources call the safety plan collaborative "
              "and 'not a no-suicide contract'; that contrast was not confirmed in Stanley and Brown's paper itself "
              "(Stanley & Brown, 2012), but a signature still gives her nothing to do on a bad night."}),
    NextStep(
        "Q3", "You are a trained lay facilitator running a Group IPT programme. At the screening interview a member "
              "ticks 'nearly every day' on PHQ-9 item 9. What do you do?",
        {"a": "Welcome her to the group: the group's support is the best help.",
         "b": "Tell her she cannot join, and end the interview.",
         "c": "Stay with her, ask directly about the thoughts, and contact your supervising clinician the same day "
              "so she is assessed before the group starts; do not leave without knowing she has a plan.",
         "d": "Keep it confidential so that she trusts the group."},
        "c",
        {"a": "The group may help later, but this answer needs assessment now, and a facilitator without "
              "mental-health training does not carry it alone; mhGAP expects supervised delivery (World Health Organization, 2016; World Health Organization, 2012).",
         "b": "Turning her away with no assessment and no referral leaves her alone with the risk. Refer, and "
              "follow up (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011).",
         "c": "Yes. Group IPT is written for facilitators without prior mental-health training, delivered under "
              "supervision (World Health Organization, 2016). The WHO manual's own screening and referral rules were not retrieved "
              "(World Health Organization, 2016; World Health Organization, 2012), so this is the course's rule, consistent with mhGAP: referral where a specialist is "
              "available and regular follow-up (Simon et al., 2013; Posner et al., 2011; Dua et al., 2011).",
         "d": "Risk is the one thing a facilitator never keeps to herself: tell your supervisor the same day "
              "(the course's rule; Simon et al., 2013; Stanley & Brown, 2012; Dua et al., 2011)."}),
    NextStep(
        "Q4", "Ten days after the birth, a mother you are due to start IPT with is brought by her partner. He says she "
              "has changed suddenly over two days: she has hardly slept and is saying things that make no sense to "
              "him. You suspect postpartum psychosis. What do you do?",
        {"a": "Start IPT as planned, focusing on the change that a first baby brings.",
         "b": "Give her the EPDS and review the result at the next appointment.",
         "c": "Reassure them both that many mothers feel low and tearful in the first weeks.",
         "d": "Treat it as an emergency: same-day psychiatric referral."},
        "d",
        {"a": "Outpatient IPT is not the treatment for postpartum psychosis (Postpartum Support International, n.d.; Toor et al., 2024).",
         "b": "A questionnaire and a wait lose the day that matters. Postpartum psychosis is a psychiatric "
              "emergency: same-day psychiatric referral (Cox et al., 1987; Cox & Holden, 2003).",
         "c": "Sudden onset in the first two weeks is the typical picture of postpartum psychosis, not of ordinary "
              "low mood, and it carries a reported risk of suicide of about 5% and of infanticide of about 4% "
              "(Cox et al., 1987; Cox & Holden, 2003).",
         "d": "Yes. Postpartum psychosis is a psychiatric emergency: about 1-2 per 1,000 deliveries, usually sudden, "
              "most often in the first 2 weeks; most women need admission, preferably to a mother-and-baby unit; "
              "same-day psychiatric referral, and outpatient IPT is not the treatment (Cox et al., 1987; Cox & Holden, 2003)."}),
)
_STEPS = {q.id: q for q in NEXT_STEPS}


def next_step(question_id: str) -> NextStep:
    key = str(question_id).strip().upper()
    if key not in _STEPS:
        raise SafetyPracticeError(f"There is no question {question_id!r}. The questions are: {', '.join(_STEPS)}.")
    return _STEPS[key]


def check_next_step(question_id: str, choice: object) -> Feedback:
    """Feedback on one "what do you do now?" answer (a letter)."""
    question = next_step(question_id)
    letter = str(choice).strip().lower().rstrip(").")
    if not letter:
        return Feedback(question.id, None, "Type the letter of your choice between the quotes, then run this cell "
                                           "again.")
    if letter not in question.options:
        raise SafetyPracticeError(f"{choice!r} is not one of the choices: use one of "
                                  f"{', '.join(question.options)}.")
    return Feedback(question.id, letter == question.best, question.feedback[letter])
