import pytest

from ipt_lib import DisputeStage, DisputeStageError, ProblemArea, ProblemAreaError
from ipt_lib.references import check_cited

G, D, T, X = (ProblemArea.GRIEF, ProblemArea.ROLE_DISPUTE, ProblemArea.ROLE_TRANSITION,
              ProblemArea.INTERPERSONAL_DEFICITS)


@pytest.mark.parametrize("text, area", [
    ("grief", G), ("Grief", G), ("GRIEF", G), ("  grief  ", G), ("grief.", G), ('"grief"', G), ("'Grief!'", G),
    ("grief and loss", G), ("Grief & Loss", G), ("grief/loss", G), ("complicated bereavement", G),
    ("Complicated grief", G), ("bereavement", G),
    ("role dispute", D), ("Role Disputes", D), ("role-dispute", D), ("ROLE_DISPUTE", D),
    ("interpersonal role dispute", D), ("Interpersonal Role-Disputes!", D), ("interpersonal disputes", D),
    ("role transition", T), ("role transitions", T), ("Role_Transitions.", T), ("life change", T),
    ("life changes", T), ("transition", T),
    ("interpersonal deficits", X), ("interpersonal deficit", X), ("Interpersonal_Deficits", X),
    ("interpersonal sensitivity", X), ("social isolation", X), ("deficits", X),
    ("\u201cgrief\u201d", G), ("the role dispute", D), ("role\tdispute", D), ("role  transition", T),
])
def test_parse_accepts_literature_names_and_format_slips(text, area):
    assert ProblemArea.parse(text) is area


@pytest.mark.parametrize("value", ["", "   ", "...", "grieve", "banana", "depression", "cbt", "rol"])
def test_parse_rejects_unknown_text_with_the_input_and_the_four_answers(value):
    with pytest.raises(ProblemAreaError) as info:
        ProblemArea.parse(value)
    message = str(info.value)
    for label in ProblemArea.labels():
        assert label in message
    if value.strip(" ."):
        assert repr(value) in message


@pytest.mark.parametrize("value", [None, 3, 2.5, True, ["grief"], ("grief",), {"grief": 1}, b"grief", G])
def test_parse_rejects_non_strings(value):
    with pytest.raises(ProblemAreaError) as info:
        ProblemArea.parse(value)
    assert "grief, role dispute, role transition, interpersonal deficits" in str(info.value)
    assert repr(value)[:20] in str(info.value)


def test_parse_rejects_the_placeholder_with_a_hint():
    with pytest.raises(ProblemAreaError, match="replace the ..."):
        ProblemArea.parse(...)


@pytest.mark.parametrize("text", ["grief and role dispute", "grief or transition", "role dispute/role transition",
                                  "deficits and grief", "transition, conflict"])
def test_parse_rejects_two_areas_at_once(text):
    with pytest.raises(ProblemAreaError, match="more than one problem area"):
        ProblemArea.parse(text)


def test_loss_alone_is_ambiguous_and_explains_the_classic_rule():
    with pytest.raises(ProblemAreaError, match="not a death"):
        ProblemArea.parse("loss")


def test_close_misspelling_gets_a_suggestion():
    with pytest.raises(ProblemAreaError, match="Did you mean 'grief'"):
        ProblemArea.parse("grieve")


def test_error_is_a_value_error_and_renders_without_traceback():
    with pytest.raises(ValueError) as info:
        ProblemArea.parse("grieve")
    lines = info.value._render_traceback_()
    assert len(lines) == 2 and "grieve" in lines[1]


def test_each_area_carries_definition_cues_goals_strategies_and_source():
    for area in ProblemArea:
        assert area.definition and area.cues and area.goals and area.strategies
        assert check_cited(area.info.sources) is None, area          # cites, and every citation resolves
    assert D.stages == tuple(DisputeStage)
    assert all(area.stages == () for area in (G, T, X))


def test_grief_definition_keeps_non_death_losses_out():
    assert "not deaths" in G.definition and "role transitions" in G.definition


@pytest.mark.parametrize("text, stage", [("Impasse", DisputeStage.IMPASSE), ("re-negotiation", DisputeStage.RENEGOTIATION),
                                         ("dissolution.", DisputeStage.DISSOLUTION)])
def test_dispute_stage_parse(text, stage):
    assert DisputeStage.parse(text) is stage


def test_dispute_stage_rejects_unknown():
    with pytest.raises(DisputeStageError, match="renegotiation, impasse, dissolution"):
        DisputeStage.parse("divorce")
