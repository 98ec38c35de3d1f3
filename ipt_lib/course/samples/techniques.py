"""Assignment 4 (techniques in practice): the sample class. Answers are derived from the key at run time
(data/transcripts), never written here. 14 autograded points: T10 and T13 techniques (3 each), T06 and T08
communication problems (3 each), T06 and T08 stages (1 each)."""

from __future__ import annotations

from .profile import Profile, blank, find_cell

def _rotate(label: str, kind: str) -> str:
    """A deterministic wrong label: the next one in the course's list."""
    from ...techniques import CommunicationProblem, Technique

    labels = list(Technique.labels() if kind == "technique" else CommunicationProblem.labels())
    return labels[(labels.index(label) + 1) % len(labels)]


def _label_source(name: str, labels: dict, style: str = "dict") -> str:
    if style == "subscript":
        return f"{name} = {{}}\n" + "\n".join(f"{name}[{t}] = {v!r}" for t, v in labels.items())
    if style == "bare":  # labels typed without quotes: cannot be read from the text
        return f"{name} = {{\n" + "".join(f"    {t}: {v.replace(' ', '_')},\n" for t, v in labels.items()) + "}"
    return f"{name} = {{\n" + "".join(f"    {t!r}: {'...' if v is ... else repr(v)},\n" for t, v in labels.items()) + "}"


def _techniques(changes: dict | None = None, essay: str = "", extra=None):
    """changes: answer name -> function(labels dict, kind) -> (labels, style) or a raw source string."""
    changes = changes or {}

    def edit(nb, key):
        for name, expected in key.items():
            if name.endswith("_stage"):
                source = f"{name} = {expected!r}"
                if name in changes:
                    source = changes[name](expected)
            else:
                kind = "technique" if name.endswith("_techniques") else "communication"
                labels, style = dict(expected), "dict"
                if name in changes:
                    labels, style = changes[name](labels, kind)
                source = _label_source(name, labels, style) if style != "raw" else labels
            find_cell(nb, f"{name}_answer").source = source
        if essay:
            find_cell(nb, "analysis_answer").source = essay
        if extra:
            extra(nb)
    return edit


def _wrong(turns: int | str):
    """Make the first ``turns`` labels wrong ("all" for every label)."""
    def change(labels, kind):
        out = dict(labels)
        for i, turn in enumerate(out):
            if turns == "all" or i < turns:
                out[turn] = _rotate(out[turn], kind)
        return out, "dict"
    return change


def _odd_forms(labels, kind):
    forms = {"role play": "Roleplay", "decision analysis": "decision-analysis",
             "nondirective exploration": "NONDIRECTIVE EXPLORATION", "encouragement of affect": "Encouragement of Affect!"}
    return {str(t): forms.get(v, v.upper()) for t, v in labels.items()}, "dict"


def _subscript(labels, kind):
    return labels, "subscript"


def _eli_t10(labels, kind):
    out = dict(labels)
    turns = list(out)
    out[turns[0]] = out[turns[0]][:5] + out[turns[0]][6:] if len(out[turns[0]]) > 6 else "xx"  # a misspelling
    out[turns[1]] = ...
    out[turns[2]] = "reflection"
    return out, "dict"


def _bare(labels, kind):
    return labels, "bare"


def _t13_raises(labels, kind):
    return _label_source("T13_techniques", labels) + "\nprint(len(T13_techniques) / 0)", "raw"


def _t06_loops(labels, kind):
    return "while True:\n    pass\n" + _label_source("T06_communication", labels), "raw"


def _tamper_label_tests(nb) -> None:
    find_cell(nb, "T10_techniques_test").source = "print('T10_techniques: correct.')"


ANALYSIS_GOOD = (
    "Agnieszka said she had made up the spare bed 'so you can sleep properly'. Marek heard 'I am done with you' and "
    "did not check: he assumed he had understood. He answered without words, carrying his pillow past her with a long "
    "look, which she could read as relief at leaving. Neither said what they feared, so each probably left thinking "
    "the other wanted the distance. He could have said: 'When you made up the spare bed I felt you were pushing me "
    "away. Is that what you meant? I don't want to sleep apart.' In the next session I would set up a role play: "
    "Marek says this to me playing Agnieszka, then we swap roles, and we debrief how it felt and what she might say."
)


def techniques_class(key: dict | None = None) -> list[Profile]:
    return [
        Profile("ada", "perfect: every label right, a full communication analysis", _techniques(essay=ANALYSIS_GOOD),
                14, 4, "Turn-by-turn, precise, in his voice, concrete role play."),
        Profile("ben", "blank: submitted untouched", blank, 0, 0, "No answer was written."),
        Profile("chen", "partly right: three technique labels and one communication label wrong",
                _techniques({"T10_techniques": _wrong(3), "T06_communication": _wrong(1)}), 12),
        Profile("dara", "odd but valid forms: synonyms, capitals, text keys, labels added line by line",
                _techniques({"T10_techniques": _odd_forms, "T13_techniques": _subscript,
                             "T06_communication": _odd_forms}), 14),
        Profile("eli", "invalid: a misspelt label, an unlabelled turn, a made-up technique, labels without quotes, "
                "a stage without quotes", _techniques({"T10_techniques": _eli_t10, "T13_techniques": _bare,
                                                       "T06_stage": lambda expected: f"T06_stage = {expected}"}), 9),
        Profile("femi", "an answer cell raises after setting its labels", _techniques({"T13_techniques": _t13_raises}), 11),
        Profile("gus", "loops forever in one answer cell (cut by the timeout)", _techniques({"T06_communication": _t06_loops}),
                11),
        Profile("hana", "every T10 label wrong, and the T10 test cell replaced with print('correct')",
                _techniques({"T10_techniques": _wrong("all")}, extra=_tamper_label_tests), 11),
    ]
