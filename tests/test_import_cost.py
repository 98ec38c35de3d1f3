"""`import ipt_lib` is paid by every student kernel and every autograde: it must stay free of heavy imports."""

import subprocess
import sys

HEAVY = ("pandas", "matplotlib", "ipywidgets", "numpy", "nbformat", "nbgrader", "IPython")


def loaded_after(code: str) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_import_ipt_lib_loads_no_heavy_module_and_reads_no_file():
    modules = loaded_after("import ipt_lib")
    assert not {m for m in modules if m.split(".")[0] in HEAVY}
    assert "tomllib" not in modules and "ipt_lib.vignettes" not in modules
    assert "ipt_lib.corpus" not in modules and "jsonschema" not in modules


def test_what_test_cells_import_stays_light():
    modules = loaded_after("import ipt_lib.grading; ipt_lib.ProblemArea.parse('grief')")
    assert not {m for m in modules if m.split(".")[0] in HEAVY}


def test_widgets_are_exported_one_way_and_load_ipywidgets_only_when_used():
    import ipt_lib
    import ipt_lib.widgets

    widgets = [name for name in ipt_lib.__all__ if name.endswith("_widget")]
    assert {ipt_lib._EXPORTS[name] for name in widgets} == {"widgets"}
    assert set(widgets) <= set(ipt_lib.widgets.__all__)
    assert "ipywidgets" not in loaded_after("import ipt_lib.widgets")
