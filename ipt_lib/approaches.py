"""IPT beside CBT and DBT (Counseling Today, 2015; Stuart, 2006): the three approaches and a forgiving parser for a student's answer.

>>> Approach.parse("dialectical behaviour therapy")
<Approach.DBT: 'DBT'>
"""

from __future__ import annotations

import enum
import re

from .errors import StudentFacingError

__all__ = ["Approach", "ApproachError", "COMPARISON"]


class ApproachError(StudentFacingError):
    title = "Not an approach"


class Approach(enum.Enum):
    IPT = "IPT"
    CBT = "CBT"
    DBT = "DBT"

    @property
    def label(self) -> str:
        return self.value

    def __str__(self) -> str:
        return self.value

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        return tuple(a.value for a in cls)

    @classmethod
    def parse(cls, text: object) -> "Approach":
        if not isinstance(text, str):
            raise ApproachError(f"{text!r} is not text: write IPT, CBT or DBT in quotes.")
        lowered = text.casefold().replace("behavior", "behaviour")
        key = re.sub(r"[^a-z]", "", lowered)
        if not key:
            raise ApproachError("The answer is empty: write IPT, CBT or DBT in quotes.")
        found = {a for a, words in _WORDS.items() if key in words}
        if not found:  # "Linehan's DBT", "CBT (Beck)": exactly one acronym among the words
            tokens = set(re.findall(r"[a-z]+", lowered))
            found = {a for a in cls if a.value.casefold() in tokens}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            raise ApproachError(f"{text!r} names more than one approach: choose one of IPT, CBT or DBT.")
        raise ApproachError(f"{text!r} is not one of the approaches compared here: write IPT, CBT or DBT.")


_WORDS = {
    Approach.IPT: {"ipt", "interpersonalpsychotherapy", "interpersonaltherapy", "interpersonal"},
    Approach.CBT: {"cbt", "ct", "cognitivebehaviouraltherapy", "cognitivebehaviouraltherapies", "cognitivetherapy",
                   "cognitivebehaviourtherapy", "cognitive", "becktherapy", "beckcbt"},
    Approach.DBT: {"dbt", "dialecticalbehaviourtherapy", "dialecticalbehaviortherapy", "dialectical",
                   "linehan", "linehandbt"},
}

# The comparison table. Sources: IPT (Stuart, 2006; Weissman & Klerman, 1990); CBT (Beck, n.d.); DBT (Counseling Today, 2015).
COMPARISON = {
    "Main target": {
        "IPT": "the patient's interpersonal communication and current relationships / social support, tied to a "
               "life event and to symptom onset",
        "CBT": "internal cognitions: automatic thoughts, beliefs, behaviour",
        "DBT": "skills deficits in emotion regulation and behaviour"},
    "Time frame": {
        "IPT": "present-focused ('here and now'); early life not the focus",
        "CBT": "structured, short-term, present-oriented",
        "DBT": "usually longer and comprehensive"},
    "Format": {
        "IPT": "12-16 weekly individual sessions (standard)",
        "CBT": "structured sessions with homework",
        "DBT": "four standard modes: individual therapy, group skills training, phone coaching, therapist "
               "consultation team"},
    "Content": {
        "IPT": "problem areas: grief, disputes, transitions, deficits/sensitivity",
        "CBT": "cognitive restructuring, behavioural activation",
        "DBT": "skill modules: mindfulness, distress tolerance, emotion regulation, interpersonal effectiveness"},
    "Original population": {
        "IPT": "ambulatory non-bipolar, non-psychotic major depression",
        "CBT": "depression",
        "DBT": "chronically suicidal patients / borderline personality disorder"},
}
