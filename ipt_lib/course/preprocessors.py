"""nbconvert preprocessors the course adds to nbgrader's pipeline."""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor


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
