"""IPT Workbook: the small library behind the course notebooks.

Importing the package is cheap (no pandas, matplotlib or widgets, no file
reads); each name is loaded the first time it is used.

>>> import ipt_lib
>>> ipt_lib.ProblemArea.parse("Grief and loss")
<ProblemArea.GRIEF: 'grief'>
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "ProblemArea": "problem_areas",
    "ProblemAreaError": "problem_areas",
    "DisputeStage": "problem_areas",
    "DisputeStageError": "problem_areas",
    "Vignette": "vignettes",
    "VignetteError": "vignettes",
    "load_vignettes": "vignettes",
    "vignettes_frame": "vignettes",
    "corpus_summary": "vignettes",
    "Deck": "deck",
    "load_deck": "deck",
    "practice_deck": "deck",
    "show_area": "deck",
    "check_answer_format": "grading",
    "Inventory": "inventory",
    "InventoryError": "inventory",
    "closeness_circle": "plots",
    "timeline": "plots",
    "TimelineEvent": "plots",
    "vignette_events": "plots",
    "inventory_widget": "widgets",
    "load_cohort": "caseload",
    "load_phq9_items": "caseload",
    "Approach": "approaches",
    "severity": "measures",
    "is_response": "measures",
    "is_remission": "measures",
    "phase_of_session": "measures",
    "MeasureError": "measures",
    "read_phq9": "measures",
    "read_gad7": "measures",
    "read_epds": "measures",
    "shade_phases": "plots",
    "trajectories": "plots",
    "group_trajectory": "plots",
    "Technique": "techniques",
    "TechniqueError": "techniques",
    "CommunicationProblem": "techniques",
    "CommunicationProblemError": "techniques",
    "Phase": "techniques",
    "PhaseError": "techniques",
    "Transcript": "transcripts",
    "TranscriptError": "transcripts",
    "load_transcripts": "transcripts",
    "transcripts_frame": "transcripts",
    "TraineeLog": "pathway",
    "TraineeLogError": "pathway",
    "PathwayDataError": "pathway",
    "load_bodies": "pathway",
    "assess": "pathway",
    "progress_figure": "plot_progress",
    "pathway_widget": "widgets",
    "Scenario": "scenarios",
    "ScenarioError": "scenarios",
    "Session": "roleplay",
    "SessionError": "roleplay",
    "load_scenario": "scenarios",
    "load_scenarios": "scenarios",
    "practice_excerpt": "roleplay",
    "PhaseTask": "phase_tasks",
    "PhaseTaskError": "phase_tasks",
    "check_tasks": "phase_tasks",
    "roleplay_widget": "widgets",
    "load_exam": "exam",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ipt_lib' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
