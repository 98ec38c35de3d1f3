"""Turn labels (assignment 4): a dict from turn (or statement) number to a technique, a communication problem or
an approach, each label in quotes."""

from __future__ import annotations

from .answers import MissingAnswer, answer
from .rules import Rule, Verdict

LABEL_KINDS = {"technique": "technique", "communication": "communication problem", "approach": "approach"}


def _label_parser(kind: str):
    from ..techniques import CommunicationProblem, Technique

    if kind not in LABEL_KINDS:
        raise ValueError(f"unknown label kind {kind!r}")
    if kind == "approach":
        from ..approaches import Approach

        return Approach.parse
    return Technique.parse if kind == "technique" else CommunicationProblem.parse


def _unit(kind: str) -> str:
    return "statement" if kind == "approach" else "turn"


def read_labels(value: object, kind: str, turns) -> tuple[dict[int, str], list[str]]:
    """(turn -> parsed label, problems) for a student's dict of labels; unlabelled and unreadable turns are
    problems, never guesses."""
    from .cell_text import Unquoted

    parse = _label_parser(kind)
    unit = _unit(kind)
    if not isinstance(value, dict):
        return {}, [f"write the labels as a dict from {unit} number to label in quotes, such as "
                    f"{{{list(turns)[0]}: \"...\"}}, not {type(value).__name__}"]
    labels, problems = {}, []
    wanted = [int(t) for t in turns]
    for turn in wanted:
        text = value.get(turn, value.get(str(turn), Ellipsis))
        if text is Ellipsis or (isinstance(text, str) and not text.strip()):
            problems.append(f"{unit} {turn}: not labelled yet")
            continue
        if isinstance(text, Unquoted):  # read from the cell's text by the grader: not a literal
            problems.append(f"{unit} {turn}: {text!s} is not a label in quotes, so it cannot be read")
            continue
        try:
            labels[turn] = parse(text).label
        except ValueError as exc:
            problems.append(f"{unit} {turn}: {exc}")
    extra = sorted(str(k) for k in value if k not in wanted and str(k) not in map(str, wanted))
    if extra:
        problems.append(f"{unit}(s) {', '.join(extra)} are not asked for here (label {unit}s {', '.join(map(str, wanted))})")
    return labels, problems


def labels_verdict(value: object, expected: dict, kind: str) -> tuple[float, str]:
    """(share of the item's points 0..1, feedback per turn). The feedback never names the expected label."""
    key = {int(k): v for k, v in expected.items()}
    labels, problems = read_labels(value, kind, key)
    notes, right = [], 0
    parse = _label_parser(kind)
    unit = _unit(kind)
    for turn, wanted in key.items():
        if turn not in labels:
            continue
        if labels[turn] == parse(wanted).label:
            right += 1
            notes.append(f"{unit} {turn}: correct")
        else:
            notes.append(f"{unit} {turn}: {labels[turn]!r} is not the {LABEL_KINDS[kind]} the course team chose")
    text = "; ".join(notes + problems)
    return right / len(key), text if text.endswith(".") else text + "."


class LabelsRule(Rule):
    """Each listed turn's label against the key; each right label earns its share of the item's points."""

    function, format_check, partial = "assert_labels", "check_labels", True

    def read(self, source: str, name: str) -> tuple[object, str]:
        from .cell_text import static_labels

        return static_labels(source, name)

    def unreadable(self, name: str, problem: str) -> Verdict:
        return Verdict.wrong(f"{name}: {problem}.", "UnreadableAnswer")

    def grade(self, name: str, value: object, expected: dict, kind: str, *_) -> Verdict:
        share, message = labels_verdict(value, expected, kind)
        return Verdict(share, f"{name}: {message}")


LABELS = LabelsRule()


def check_labels(name: str, kind: str, turns) -> None:
    """Format check: every listed turn has a label that reads as a technique (or communication problem)."""
    value = answer(name)
    labels, problems = read_labels(value, kind, turns)
    if problems:
        text = "; ".join(problems)
        raise MissingAnswer(f"{name}: {text}" + ("" if text.endswith(".") else "."))
    what = LABEL_KINDS[kind] + ("es" if kind == "approach" else "s")
    print(f"{name}: all {len(labels)} {_unit(kind)}s read as {what}. (Format check only: it does not say whether "
          "they are right.)")


def assert_labels(name: str, expected: dict, kind: str, points: float = 1) -> object:
    """The hidden check (instructor's copy); at autograde the grader re-does it from the answer cell's text."""
    return LABELS.grade(name, answer(name), expected, kind).settle(points, partial=True)
