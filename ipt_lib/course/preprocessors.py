"""nbconvert preprocessors the course adds to nbgrader's pipeline."""

from __future__ import annotations

import os
import time

from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, NbGraderPreprocessor as Preprocessor  # enabled by default

from ..grading import RULES, Verdict
from ..grading.answers import case_label
from .sealing import REPORT_CALL, SEALED_NOTE, computed_checks, keyed_checks, seal_keyed_source


class RedactTestTracebacks(Preprocessor):
    """Reduce errors in test cells to one line ("NameError: ...") in feedback.

    IPython's traceback quotes the source of the failing cell, hidden tests
    included, so a test cell that fails before its hidden part would otherwise
    print the answer key into the student's feedback.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


class SetExamStudent(Preprocessor):
    """Sanitize step: tell the exam's set-up cell whose exam it is (the submitting student's nbgrader id), so the
    autograded notebook shows the same items the student answered."""

    def preprocess_cell(self, cell, resources, index):
        student = resources.get("nbgrader", {}).get("student")
        if student and cell.cell_type == "code" and "load_exam(" in cell.source:
            from ..exam import STUDENT_ENV

            cell.source = f"import os as _os; _os.environ[{STUDENT_ENV!r}] = {student!r}\n" + cell.source
        return cell, resources


def _error(message: str, ename: str = "WrongAnswer") -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


def verdict_outputs(verdict: Verdict, points: float = 1, partial: bool = False) -> list:
    """A test cell's outputs for ``verdict``, as nbgrader scores them: an error earns nothing, a number shown as
    the cell's result is partial credit, and anything else full marks."""
    if verdict.share <= 0:
        return [_error(verdict.message, verdict.error)]
    outputs = [NotebookNode(output_type="stream", name="stdout", text=verdict.message + "\n")]
    if partial and verdict.share < 1:
        outputs.append(NotebookNode(output_type="execute_result", execution_count=None, metadata={},
                                    data={"text/plain": repr(round(verdict.share * points, 4))}))
    return outputs


class GradebookSources:
    """Reads the instructor's version of a notebook's cells from the gradebook (what OverwriteCells restored)."""

    def _source_cell(self, resources, grade_id: str) -> str | None:
        """The instructor's version of a test cell, from the gradebook (what OverwriteCells restored); the
        notebook's source cells are read once per notebook."""
        info = resources.get("nbgrader", {})
        cache_key = (info.get("db_url"), info.get("assignment"), info.get("notebook"))
        if getattr(self, "_sources_key", None) != cache_key:
            self._sources_key, self._sources = cache_key, {}
            try:
                from nbgrader.api import Gradebook

                with Gradebook(info["db_url"]) as gradebook:
                    notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
                    self._sources = {cell.name: cell.source for cell in notebook.source_cells}
            except Exception as exc:  # noqa: BLE001 - a missing key scores zero with a message, never stops a batch
                self.log.warning("No source cells for %s in the gradebook (%s)", info.get("notebook"), exc)
        if grade_id not in self._sources:
            self.log.warning("No source cell %s in the gradebook", grade_id)
        return self._sources.get(grade_id)


class StaticAnswerGrader(GradebookSources, Preprocessor):
    """Score keyed items (every rule of ``ipt_lib.grading.RULES``) from the submission, in the grader.

    Nothing the student runs can change this result: the answer is read with ``ast`` from the answer
    cell's text (or from the submitted file, or as the kernel reported a computed value), the key from the
    gradebook's copy of the test cell, and the rule judges in the grader's process.  The test cell's outputs are
    replaced by the verdict.  An answer cell that raised or timed out at execution scores nothing, even if its
    text is right.
    """

    def preprocess(self, nb, resources):
        self.resources = resources
        self.folder = resources.get("metadata", {}).get("path") or "."
        cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id")}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            if REPORT_CALL in cell.source:
                original = self._source_cell(resources, meta["grade_id"])
                checks = [c[2] for c in computed_checks(original)] if original else []
                cell.outputs = self._computed_verdicts(cell, checks)
                if original:
                    notice = cell.source.split("\n", 1)[0] if cell.source.startswith("# This cell (id:") else ""
                    cell.source = (notice + "\n" if notice else "") + original
                continue
            original = self._source_cell(resources, meta["grade_id"]) if SEALED_NOTE in cell.source else None
            checks = keyed_checks(original if original is not None else cell.source)
            if checks:
                cell.outputs = [output for check in checks for output in self._verdict(check, cells, meta)]
            elif SEALED_NOTE in cell.source:  # sealed, but the gradebook has no copy: nothing to grade against
                cell.outputs = [_error("This item could not be graded: its test is missing from the gradebook.",
                                       "MissingKey")]
            if original is not None:
                cell.source = original
        return nb, resources

    def _computed_verdicts(self, cell, checks: list) -> list:
        """Compare what the kernel reported with the sealed key; partial credit as nbgrader reads it."""
        import json

        from ..grading import COMPUTED, REPORT_MARKER

        reported: dict[str, object] = {}
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                for line in output.get("text", "").splitlines():
                    if line.startswith(REPORT_MARKER + " "):
                        try:
                            item = json.loads(line[len(REPORT_MARKER) + 1:])
                            reported[item["name"]] = item["value"]
                        except (ValueError, KeyError, TypeError):
                            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        points = float(cell.metadata["nbgrader"].get("points", 1))
        earned, lines = 0.0, []
        if not checks:
            return [_error("This item could not be graded: its key is missing from the gradebook. "
                           "Tell your instructor.", "GradingError")]
        for check in checks:
            name = check["name"]
            if name not in reported:
                why = f"{errors[-1].get('ename')}: {errors[-1].get('evalue')}" if errors else "no value was reported"
                lines.append(f"{name}: could not be read ({why}).")
                continue
            try:
                verdict = COMPUTED.grade(name, reported[name], check["expected"], check.get("kind", "number"),
                                         check.get("tol", 0.0), check.get("mistakes"))
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                verdict = Verdict(0.0, f"{name}: the reported value has the wrong shape ({type(exc).__name__})")
            earned += verdict.share / len(checks)
            lines.append(verdict.message)
        return verdict_outputs(Verdict(earned, "\n".join(lines)), points, partial=True)

    def _submitted_folder(self) -> str | None:
        """The student's submitted folder for this notebook (nbgrader's submitted/ layout), if it exists."""
        from .folderguard import submitted_folder

        folder = submitted_folder(self.config, self.resources)
        return folder if folder and os.path.isdir(folder) and not os.path.islink(folder) else None

    def _submitted_file(self, name: str) -> tuple[str, bytes | None]:
        """(path, bytes or None) of the file ``name`` names: the one the student's own code left beside the
        notebook at autograde (built in code, or as the widget saved it); where the run left none (the widget keeps
        a damaged file aside, say), the file as it was submitted. Read without following links, never blocking,
        under a size limit; raises ``Refused`` for a file it will not read."""
        from .safefiles import read_student_file

        filename = os.path.basename(name)
        path = os.path.join(self.folder, filename)
        text = read_student_file(path)
        submitted = self._submitted_folder()
        if text is None and submitted:
            path = os.path.join(submitted, filename)
            text = read_student_file(path)
        return path, text

    def _verdict(self, check: tuple, cells: dict, meta: dict | None = None) -> list:
        function, name, *key = check
        rule = RULES[function]
        points = float((meta or {}).get("points", 1))
        if rule.reads == "file":
            from .safefiles import Refused

            try:
                verdict = rule.grade(name, self._submitted_file(name), *key)
            except Refused as refused:
                verdict = rule.refused(name, refused)
            return verdict_outputs(verdict, points, rule.partial)
        label = case_label(name)
        answer_cell = cells.get(f"{name}_answer")
        if answer_cell is None:
            return [_error(f"{label}: the answer cell is missing from the notebook.", "MissingAnswer")]
        errors = [o for o in answer_cell.get("outputs", []) if o.get("output_type") == "error"
                  and o.get("ename") != "KernelStopped"]
        if errors:
            return [_error(f"{label}: the answer cell stopped with {errors[-1].get('ename', 'an error')}, "
                           "so its answer does not count.", "AnswerCellFailed")]
        context = {}
        if rule.per_student:
            context["student"] = self.resources.get("nbgrader", {}).get("student")
            if not context["student"]:
                return verdict_outputs(rule.unknown_student())
        value, problem = rule.read(answer_cell.source, name)
        verdict = rule.unreadable(name, problem) if problem else rule.grade(name, value, *key, **context)
        return verdict_outputs(verdict, points, rule.partial)


class ShowDrillRubrics(GradebookSources, Preprocessor):
    """Autograde step, after the kernel has run: after each Markdown answer whose hidden-test region starts with
    ``cells.SHOWN_AFTER_GRADING`` (a drill's rubric and model replies), insert that text as a read-only cell.

    The text is taken from the gradebook's copy of the answer cell (nbgrader saves a cell's hidden tests there and
    then removes them from release/), never from the student's notebook, so the grader reads the rubric in
    Formgrader next to the reply and the student reads it, with the model replies, only in the feedback made from
    the graded notebook."""

    def preprocess(self, nb, resources):
        from nbformat.v4 import new_markdown_cell

        from .cells import SHOWN_AFTER_GRADING

        cells = []
        for cell in nb.cells:
            cells.append(cell)
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "markdown" or not (meta.get("grade") and meta.get("solution")):
                continue
            original = self._source_cell(resources, meta["grade_id"]) or ""
            if SHOWN_AFTER_GRADING not in original:
                continue
            shown = original.split(SHOWN_AFTER_GRADING, 1)[1].split("### END HIDDEN TESTS", 1)[0].strip()
            cells.append(new_markdown_cell(shown, id=f"{meta['grade_id']}-rubric"[:64]))
        nb.cells = cells
        return nb, resources


class SealComputedKeys(Preprocessor):
    """Sanitize step, after nbgrader restores the test cells: replace each hidden
    ``assert_computed(<name>, <key>, ...)`` with ``_ipt_report(<name>, <kind>)``.

    The key then never reaches the student's kernel, nor the notebook file written beside the submission
    before it runs (student code can read that file, and an IPython hook sees every cell's source).
    ``StaticAnswerGrader`` takes the key from the gradebook's copy of the cell, compares it with the value the
    kernel reported, in the grader's process, and restores the cell's source."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        checks = computed_checks(cell.source)
        if checks:
            lines = cell.source.split("\n")
            for first, last, args in sorted(checks, key=lambda c: -c[0]):
                line = lines[first - 1]
                indent = line[: len(line) - len(line.lstrip())]
                lines[first - 1:last] = [f"{indent}from ipt_lib.grading import report_computed as _ipt_report",
                                         f"{indent}{REPORT_CALL}{args['name']!r}, {args.get('kind', 'number')!r})"]
            cell.source = "\n".join(lines)
        return cell, resources


class LimitOutputBytes(Preprocessor):
    """Autograde step after nbgrader's ``LimitOutput`` (which counts lines): a cap in bytes on each output and on
    the whole notebook, so one 200 MB line cannot make a 200 MB graded notebook or feedback page. Text is cut with
    a note saying so; rich outputs (images, HTML) over the cap are replaced by the note."""

    from traitlets import Integer

    max_output_bytes = Integer(200_000, help="bytes one output may keep").tag(config=True)
    max_notebook_bytes = Integer(5_000_000, help="bytes all outputs of a notebook may keep").tag(config=True)

    @staticmethod
    def _note(cut: int) -> str:
        return f"\n... output cut: {cut:,} more bytes were not kept (the grader's output limit) ...\n"

    def preprocess(self, nb, resources):
        budget = self.max_notebook_bytes
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            for output in cell.get("outputs", []):
                limit = max(0, min(self.max_output_bytes, budget))
                if output.get("output_type") == "stream":
                    data = output.get("text", "").encode("utf-8", "replace")
                    if len(data) > limit:
                        output["text"] = data[:limit].decode("utf-8", "ignore") + self._note(len(data) - limit)
                        data = data[:limit]
                    budget -= len(data)
                elif output.get("output_type") == "error":
                    for key in ("ename", "evalue"):
                        value = str(output.get(key, "")).encode("utf-8", "replace")
                        if len(value) > limit:
                            output[key] = value[:limit].decode("utf-8", "ignore") + self._note(len(value) - limit)
                    output["traceback"] = [line[:2000] for line in output.get("traceback", [])[:200]]
                    budget -= len(str(output.get("evalue", "")))
                elif "data" in output:
                    size = sum(len(str(value)) for value in output["data"].values())
                    if size > limit:
                        output["data"] = {"text/plain": self._note(size)}
                        size = 0
                    budget -= size
        return nb, resources


class SealKeyedChecks(Preprocessor):
    """Sanitize step, after nbgrader restores the test cells: take every keyed check (problem areas, stages,
    people, rings, labels, exam items) out of the test cells, so that no key is in the notebook written beside
    the submission before it runs, nor in any cell the kernel sees. ``StaticAnswerGrader`` judges the answers
    from the gradebook's copy of each test cell, in the grader's process, and restores the cell's source."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.source = seal_keyed_source(cell.source)
        return cell, resources


class NotebookOutOfTime(Exception):
    """A notebook's cells together ran past RobustExecute.notebook_timeout."""


class RobustExecute(Execute):
    """nbgrader's Execute that survives a kernel that dies (os._exit, exit(), a crash, a kill).

    Cells that never ran get an error output, so an unexecuted test cell scores zero instead of
    nbgrader's default full marks for a test cell with no output; the batch goes on.
    """

    def create_kernel_manager(self):
        from .warm_kernels import KERNEL_NAME, WarmKernelManager

        if self.kernel_name == KERNEL_NAME:  # a warm kernel: its own start-up handshake and shutdown check
            self.kernel_manager_class = WarmKernelManager
        return super().create_kernel_manager()

    from traitlets import Integer

    notebook_timeout = Integer(
        600, help="seconds all of one notebook's cells may take together at autograde (0: no limit); cells left "
                  "when it is used up are not run and are graded as failed").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" and self.on_cell_start is None:
            # what nbclient does with a cell it does not run, without an event-loop round for it (a third of a
            # notebook's cells are markdown)
            self._check_assign_resources(resources)
            return cell, self.resources
        if self._started is None:  # counted from the first cell, once the kernel is up
            self._started = time.monotonic()
        if self.notebook_timeout and time.monotonic() - self._started > self.notebook_timeout:
            raise NotebookOutOfTime(f"the notebook used up its {self.notebook_timeout} s at autograde")
        return super().preprocess_cell(cell, resources, index)

    def preprocess(self, nb, resources, retry=None):
        self._started = None
        try:
            return super().preprocess(nb, resources)
        except NotebookOutOfTime as exc:
            self.log.warning("Stopped: %s; the cells left are graded as failed", exc)
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.get("execution_count") is None and not cell.get("outputs"):
                    cell.outputs = [_error(f"Not run: {exc} (every cell together may take "
                                           f"{self.notebook_timeout} s).", "KernelStopped")]
            return nb, resources
        except Exception as exc:  # noqa: BLE001 - any failure of the student's kernel
            first = next((c for c in nb.cells if c.cell_type == "code"), None)
            if first is not None and first.get("execution_count") is None and not first.get("outputs"):
                # Not even the first (locked set-up) cell ran: the kernel never started. That is the grader's
                # failure, not the student's: fail this submission (it is reported and can be graded again)
                # rather than give it zero.
                raise
            self.log.warning("Kernel stopped early (%s: %s); unexecuted cells are marked and graded as failed",
                             type(exc).__name__, exc)
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.get("execution_count") is None and not cell.get("outputs"):
                    cell.outputs = [_error("The kernel stopped before this cell ran (sys.exit, os._exit, a crash "
                                           "or a kill in an earlier cell).", "KernelStopped")]
            return nb, resources


class DropBrokenGradingMetadata(Preprocessor):
    """Remove nbgrader metadata that has no grade_id (left by DeduplicateIds on a duplicated cell, or by a
    student's edit), which otherwise crashes nbgrader's OverwriteCells and drops the whole submission."""

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader")
        if meta is not None and not (isinstance(meta, dict) and meta.get("grade_id")):
            del cell.metadata["nbgrader"]
        return cell, resources
