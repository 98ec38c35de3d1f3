"""The shared corpus machinery: folder lookup, TOML reading, the field reader, duplicate ids and the check command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ipt_lib.corpus import CORPORA, Corpus, Field, Fields, Schema, data_folder
from ipt_lib.course.cli import main as cli
from ipt_lib.errors import StudentFacingError

ROOT = Path(__file__).resolve().parents[1]


class DemoError(StudentFacingError):
    def __init__(self, path, field_name, problem):
        self.path, self.field, self.problem = Path(path), field_name, problem
        super().__init__(f"{self.path.name}: field '{field_name}': {problem}")


@dataclass(frozen=True)
class Demo:
    id: str
    size: int
    source: str


DEMO = Schema((
    Field("id", "an id"),
    Field("size", "1-9", kind="whole", low=1, high=9),
    Field("colour", "red or blue", kind="choice", choices=("red", "blue"), required=False),
    Field("owner", "a table", kind="table", required=False,
          fields=Schema((Field("name", "who"), Field("age", "how old", kind="whole", low=0, high=120)))),
    Field("note", "why", missing="missing: say why in a sentence"),
))


def _validate(path: Path, raw: dict) -> Demo:
    def fail(name, problem):
        raise DemoError(path, name, problem)

    values = Fields(raw, fail).read(DEMO)
    return Demo(values["id"], values["size"], str(path))


CORPUS = Corpus("demo", "demos", "demos", "tests.demo", DemoError, _validate)
GOOD = 'id = "A"\nsize = 3\nnote = "x"\n'


def _load(tmp_path, text: str) -> Demo:
    path = tmp_path / "a.toml"
    path.write_text(text, encoding="utf-8")
    return CORPUS.load(path)


def test_data_folder_is_the_checkout_s_data_folder():
    assert data_folder("vignettes") == ROOT / "data" / "vignettes"
    assert data_folder("no-such-corpus") == ROOT / "ipt_lib" / "_data" / "no-such-corpus"
    assert data_folder("no-such-corpus", packaged=False) == ROOT / "data" / "no-such-corpus"


@pytest.mark.parametrize("text, message", [
    (GOOD + "colur = 'red'\n", "a.toml: field 'colur': unknown field (did you mean 'colour'?); allowed here: id, "),
    ('id = "A"\nsize = 3\n', "a.toml: field 'note': missing: say why in a sentence"),
    (GOOD.replace('id = "A"', "id = 7"), "a.toml: field 'id': must be text in quotes, got int"),
    (GOOD.replace('id = "A"', 'id = "  "'), "a.toml: field 'id': is empty"),
    (GOOD.replace("size = 3", "size = 12"), "a.toml: field 'size': 12 is out of range (1-9)"),
    (GOOD.replace("size = 3", "size = 2.5"), "a.toml: field 'size': must be a whole number, got 2.5"),
    (GOOD + 'colour = "green"\n', "a.toml: field 'colour': 'green' is not one of: red, blue"),
    (GOOD + 'owner = "me"\n', "a.toml: field 'owner': must be a table: { name = ..., age = ... }"),
    (GOOD + 'owner = { name = "Ann" }\n', "a.toml: field 'owner.age': missing"),
    (GOOD + 'owner = { name = "Ann", age = -1 }\n', "a.toml: field 'owner.age': -1 is out of range (0-120)"),
    ('id = "A\n', "a.toml: field '(file)': not valid TOML"),
])
def test_a_bad_field_is_named_with_its_file_and_what_was_expected(tmp_path, text, message):
    with pytest.raises(DemoError) as caught:
        _load(tmp_path, text)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_good_table_reads_every_declared_field(tmp_path):
    assert _load(tmp_path, GOOD + 'owner = { name = "Ann", age = 40 }\n').size == 3


def test_unreadable_and_missing_files_and_folders_are_the_corpus_s_error(tmp_path):
    (tmp_path / "b.toml").write_bytes(b"id = '\xff'\n")
    with pytest.raises(DemoError, match="b.toml: field '\\(file\\)': not UTF-8 text"):
        CORPUS.load(tmp_path / "b.toml")
    with pytest.raises(DemoError, match="field '\\(file\\)': no such file"):
        CORPUS.load(tmp_path / "absent.toml")
    with pytest.raises(DemoError, match="field '\\(folder\\)': no such folder of demos"):
        CORPUS.load_all(tmp_path / "nowhere")


def test_check_lists_every_bad_file_and_every_shared_id_while_loading_stops_at_the_first(tmp_path):
    for name, text in {"a.toml": GOOD, "b.toml": GOOD, "c.toml": "size = 1\n", "d.toml": "[\n"}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    good, errors = CORPUS.check(tmp_path)
    assert [Path(d.source).name for d in good] == ["a.toml", "b.toml"]
    assert [e.split(":")[0] for e in errors] == ["c.toml", "d.toml", "b.toml"]
    assert errors[-1] == "b.toml: field 'id': A is also used by a.toml"
    with pytest.raises(DemoError, match="c.toml"):
        CORPUS.load_all(tmp_path)


def test_the_command_line_prints_the_report_the_counts_and_the_errors(tmp_path, capsys):
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "c.toml").write_text("size = 1\n", encoding="utf-8")
    assert CORPUS.main(["check", str(tmp_path)], {"check": lambda good: [f"{len(good)} read"]}) == 1
    assert capsys.readouterr().out.splitlines() == [
        "1 read", "1 valid demo(s), 1 with errors", "ERROR c.toml: field 'id': missing"]
    assert CORPUS.main(["nonsense"], {"check": lambda good: []}) == 2
    assert "usage: python -m tests.demo check [FOLDER]" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_check_data_checks_every_corpus_of_the_course(name, capsys):
    assert cli(["check-data", "--corpus", name]) == 0
    assert ", 0 with errors" in capsys.readouterr().out


def test_the_transcript_and_scenario_schemas_are_the_ones_their_readme_and_template_describe():
    from ipt_lib import scenarios, transcripts

    for module, folder in ((transcripts, "transcripts"), (scenarios, "scenarios")):
        readme = (ROOT / "data" / folder / "README.md").read_text(encoding="utf-8")
        template = (ROOT / "data" / folder / "_TEMPLATE.toml.example").read_text(encoding="utf-8")
        tables = [module.SCHEMA] + [f.fields for f in module.SCHEMA.fields if f.fields]
        tables += [f.fields for t in tables for f in t.fields if f.fields and f.fields not in tables]
        for table in tables:
            for name in table.names:
                assert name in template and any(f"{mark}{name}" in readme for mark in ("`", "[[", ".")), (folder, name)


# --- the fidelity excerpts and the drills (Assignment 7) ---------------------------------------------------------

@pytest.fixture
def fidelity_copy(tmp_path):
    import shutil

    for name in ("fidelity", "drills"):
        shutil.copytree(ROOT / "data" / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, start: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def test_the_fidelity_and_drill_loaders_read_through_the_shared_corpus():
    from ipt_lib import drills, fidelity, fidelity_corpus

    assert fidelity_corpus.CORPUS.error is fidelity.FidelityDataError and drills.CORPUS.error is drills.DrillDataError
    assert [e.id for e in fidelity.load_excerpts()] == [f"F0{i}" for i in range(1, 8)]  # form.toml is not an excerpt
    assert [d.id for d in drills.load_drills()] == [f"D{i:02d}" for i in range(1, 11)]
    f02 = fidelity.load_excerpt(ROOT / "data" / "fidelity" / "f02.toml")
    assert f02.turns[0].n == 1 and f02.shown_key is None and f02.content_note  # a graded key is not read here
    d03 = drills.load_drill(ROOT / "data" / "drills" / "d03.toml")
    assert d03.context.endswith("life.\n") and d03.self_check.max_words == 80  # text exactly as written


@pytest.mark.parametrize("corpus, file, old, new, message, at", [
    ("fidelity", "f03.toml", "\nphase = ", "\nphse = ", "f03.toml, phse: unknown field (did you mean 'phase'?)",
     "phse = "),
    ("fidelity", "f04.toml", "\nplanned_sessions = ", "\nplanned_sessions = 'x' #", "f04.toml, planned_sessions: must "
     "be a whole number, got 'x'", "planned_sessions = "),
    ("fidelity", "f05.toml", 'speaker = "client"', 'speaker = "patient"', "f05.toml, turns[2].speaker: 'patient' is "
     "not one of: therapist, client", 'speaker = "patient"'),
    ("drills", "d02.toml", "\nclient_says = ", "\nclient_said = ", "d02.toml, client_said: unknown field (did you "
     "mean 'client_says'?)", "client_said = "),
    ("drills", "d04.toml", "max_words = 80", "max_words = \"80\"", "d04.toml, self_check.max_words: must be a whole "
     "number, got '80'", "max_words = "),
])
def test_a_misspelt_field_or_a_wrong_type_is_named_with_file_field_and_line(fidelity_copy, corpus, file, old, new,
                                                                             message, at, capsys):
    path = _edit(fidelity_copy / corpus / file, old, new)
    assert cli(["check-data", "--corpus", corpus, str(fidelity_copy / corpus)]) == 1
    out = capsys.readouterr().out
    (error,) = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert error.startswith(f"ERROR {message}") and error.endswith(f"(line {_line_of(path, at)})"), error
    assert "Traceback" not in out


@pytest.mark.parametrize("corpus, copy, to, id_line, message", [
    ("fidelity", "f02.toml", "f08.toml", 'id = "F02"', "f08.toml, id: F02 is also used by f02.toml"),
    ("drills", "d05.toml", "d11.toml", 'id = "D05"', "d11.toml, id: D05 is also used by d05.toml"),
])
def test_a_duplicate_id_names_both_files(fidelity_copy, corpus, copy, to, id_line, message, capsys):
    import shutil

    shutil.copy(fidelity_copy / corpus / copy, fidelity_copy / corpus / to)
    assert cli(["check-data", "--corpus", corpus, str(fidelity_copy / corpus)]) == 1
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("ERROR")]
    assert errors == [f"ERROR {message}: each {'excerpt' if corpus == 'fidelity' else 'drill'}'s id is its file's "
                      f"name, here '{to[:3].upper()}' (line {_line_of(fidelity_copy / corpus / to, id_line)})"]


def test_a_missing_file_or_folder_is_named(fidelity_copy, capsys):
    from ipt_lib import drills, fidelity

    with pytest.raises(fidelity.FidelityDataError, match=r"^f09\.toml, \(file\): no such file$"):
        fidelity.load_excerpt(fidelity_copy / "fidelity" / "f09.toml")
    with pytest.raises(drills.DrillDataError, match=r"^nowhere, \(folder\): no such folder of drills$"):
        drills.load_drills(fidelity_copy / "nowhere")
    (fidelity_copy / "fidelity" / "form.toml").unlink()
    assert cli(["check-data", "--corpus", "fidelity", str(fidelity_copy / "fidelity")]) == 1
    assert "ERROR form.toml, (file): no such file" in capsys.readouterr().out
    for path in (fidelity_copy / "drills").glob("d*.toml"):
        path.unlink()
    assert cli(["check-data", "--corpus", "drills", str(fidelity_copy / "drills")]) == 1
    assert "drills, (folder): has no d[0-9][0-9].toml drill files" in capsys.readouterr().out


def test_field_line_finds_plain_inline_nested_and_array_table_fields():
    from ipt_lib.corpus import field_line

    text = ('id = "F01"\nsummary = """\nphase = "not a field: inside a string"\n"""\nphase = "middle"\n'
            'client = { name = "Ann", age = 40 }\n[[turns]]\nn = 1\n[[turns]]\nn = 2\n[key.adherence]\nscore = 4\n')
    assert [field_line(text, f) for f in ("phase", "client.age", "turns[2].n", "turns[2]", "key.adherence.score",
                                          "missing", "(file)")] == [5, 6, 10, 9, 12, None, None]


def test_check_data_checks_the_portfolio_cases_and_names_a_bad_file(tmp_path, capsys):
    """Assignment 8's cases (data/portfolio) are checked by the same command as every other corpus."""
    import shutil

    folder = tmp_path / "portfolio"
    shutil.copytree(data_folder("portfolio", packaged=False), folder)
    assert cli(["check-data", "--corpus", "portfolio", str(folder)]) == 0
    assert "p01.toml: Farhan" in capsys.readouterr().out
    case = folder / "p01.toml"
    case.write_text(case.read_text("utf-8").replace("planned_sessions = 16", 'planned_sessions = "sixteen"'), "utf-8")
    assert cli(["check-data", "--corpus", "portfolio", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "p01.toml" in err and "planned_sessions" in err
