"""The leak check finds keys in every form it claims to find, so a clean result means something."""

import base64
import hashlib
import json
import zipfile

import nbformat
import pytest

from ipt_lib.course.leaks import collect_secrets, scan


@pytest.fixture(scope="module")
def secrets(root):
    return collect_secrets(root)


def _one(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return scan([path], collect_secrets_cache[0])


collect_secrets_cache = []


@pytest.fixture(autouse=True)
def _cache(secrets):
    collect_secrets_cache[:] = [secrets]


def test_a_clean_file_passes(tmp_path):
    assert _one(tmp_path, "notes.md", "Grief, role dispute, role transition and interpersonal deficits.") == []


def test_hidden_test_line_is_found(tmp_path, secrets):
    assert _one(tmp_path, "copy.py", "x = 1\n" + secrets.lines[0] + "\n")


@pytest.mark.parametrize("encode", [
    lambda s: base64.b64encode(s.encode()).decode(),
    lambda s: s.encode().hex(),
    lambda s: hashlib.sha256(s.encode()).hexdigest(),
    lambda s: hashlib.md5(s.encode()).hexdigest(),
    lambda s: hashlib.sha1(("3:" + s).encode()).hexdigest(),
])
def test_answer_in_a_recoverable_form_is_found(tmp_path, encode):
    assert _one(tmp_path, "quiz.js", f"const key = '{encode('role transition')}';")


def test_graded_rationale_is_found(tmp_path, secrets):
    assert _one(tmp_path, "page.html", "<p>" + secrets.phrases[0] + "</p>")


def test_label_in_notebook_metadata_and_stored_outputs_are_found(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"answer": "grief"})])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    found = _one(tmp_path, "a.ipynb", nbformat.writes(nb))
    assert any("metadata" in leak.what for leak in found) and any("outputs" in leak.what for leak in found)


def test_graded_case_with_its_label_in_a_case_file_is_found(tmp_path, corpus):
    graded = next(v for v in corpus if v.is_graded)
    case = dict(graded.public(), case="1", primary_area=graded.primary_area.label)
    assert _one(tmp_path, "cases.json", json.dumps({"cases": [case]}))


def test_leak_inside_a_wheel_is_found(tmp_path, secrets):
    path = tmp_path / "x.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pkg/key.py", secrets.lines[0])
    assert scan([path], secrets)


def test_nbgrader_markers_in_a_student_notebook_are_found(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    assert _one(tmp_path, "a.ipynb", nbformat.writes(nb))


def _keyed_line(secrets):
    return next(line for line in secrets.lines if "(" in line and len(line) > 20)


@pytest.mark.parametrize("disguise, how", [
    (lambda s: s[::-1], "reversed"),
    (lambda s: " ".join(s.replace('"', "").replace("'", "").replace(",", "").replace("(", " ").replace(")", " ")
                        .split()), "with spaces and punctuation stripped"),
    (lambda s: "-".join(s), "with spaces and punctuation stripped"),
    (lambda s: base64.b64encode(("keys: " + s).encode()).decode(), "inside a base64 or hex run"),
    (lambda s: ("keys: " + s).encode().hex(), "inside a base64 or hex run"),
    (lambda s: base64.b64encode(s[::-1].encode()).decode(), "reversed inside a base64 or hex run"),
])
def test_a_hidden_line_in_disguise_is_found(tmp_path, secrets, disguise, how):
    """What a kernel that read a key might print to get it past a plain search: each form is still found."""
    line = _keyed_line(secrets)
    leaks = _one(tmp_path, "feedback.html", f"<pre>output: {disguise(line)}</pre>")
    assert any(f"in disguise ({how})" in leak.what for leak in leaks), (how, leaks)


def test_a_graded_rationale_reversed_is_found(tmp_path, secrets):
    leaks = _one(tmp_path, "feedback.html", "<pre>" + secrets.phrases[0][::-1] + "</pre>")
    assert any("a graded rationale in disguise (reversed)" in leak.what for leak in leaks), leaks


def test_ordinary_feedback_text_is_not_mistaken_for_a_disguised_key(tmp_path):
    text = ("<p>Case 3: you answered 'grief'. Look again at when the low mood began and who it followed. "
            "The check says: not the expected problem area.</p>" + base64.b64encode(b"\x89PNG" + bytes(200)).decode())
    assert _one(tmp_path, "feedback.html", text) == []


def test_a_label_inside_encoded_public_text_is_not_an_answer_but_a_hidden_line_there_is(tmp_path, secrets):
    """A practice case's rationale may name an area at an offset where its base64 contains the label's own base64:
    that is public text, not a leak; a hidden test line encoded the same way still is."""
    text = "rationale: this is a role dispute because they argue about expectations"
    public = "x" * (-text.index("role dispute") % 3) + text  # the label at an offset the encoding aligns with
    blob = base64.b64encode(public.encode()).decode()
    assert base64.b64encode(b"role dispute").decode() in blob  # the label's own form is inside the run
    assert _one(tmp_path, "out.txt", f"HITS {blob}\n") == []
    hidden = base64.b64encode(("   " + secrets.lines[0]).encode()).decode()
    assert _one(tmp_path, "out.txt", f"HITS {hidden}\n")
