"""nbgrader exchange classes: submit never leaves a half-written submission where collect can see it, and collect
copies only plain files (the exchange's inbound folder is writable by every student: whatever is there is hostile)."""

from __future__ import annotations

import os
import shutil
import tempfile

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import parse_utc

from .folderguard import MAX_FILE_BYTES, _record, safe_copy_submission


class AtomicExchangeSubmit(ExchangeSubmit):
    """Submit into a hidden staging folder inside inbound/, then rename it into place in one step.

    A submission interrupted half-way (a full disk, a closed laptop, a killed process) leaves only the
    staging folder, which ``collect`` ignores; the student's earlier submission stays the latest whole one.
    """

    def copy_files(self):
        final = self.inbound_path
        staging = tempfile.mkdtemp(prefix=".ipt-partial-", dir=final)
        self.inbound_path = staging
        try:
            super().copy_files()
            os.rename(os.path.join(staging, self.assignment_filename), os.path.join(final, self.assignment_filename))
        finally:
            self.inbound_path = final
            shutil.rmtree(staging, ignore_errors=True)


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's collect, hardened against what a student can leave in inbound/.

    - A submission folder that is a link, or whose name does not parse, is not collected (nbgrader's own collect
      stops the whole class at the first name it cannot parse).
    - Inside a submission, only regular files and folders are copied: links are never followed, pipes never opened
      for a blocking read, over-size files left out (``CourseDirectory.max_file_size``, at most 50 MB), and the
      folder is cut at ``max_dir_size``; the rest of the submission is still collected.
    - A ``timestamp.txt`` that does not parse is left out (nbgrader would stop grading on it).
    Each thing left out is recorded in ``integrity-files.csv`` by student, assignment and file; one submission
    never stops the collection of the others.
    """

    def _path_to_record(self, path):
        try:
            return super()._path_to_record(path)
        except Exception:  # noqa: BLE001 - nbgrader's parse errors and self.fail()'s exception alike
            name = os.path.basename(path)
            return {"username": name.split("+", 1)[0], "filename": name, "timestamp": _EARLIEST, "refused":
                    "the submission's folder name does not parse"}

    def init_src(self):
        super().init_src()
        course_root = self.coursedir.root
        kept = []
        for record in self.src_records:
            path = os.path.join(self.inbound_path, record["filename"])
            why = record.get("refused") or (
                "the submission is a symbolic link" if os.path.islink(path) else
                None if os.path.isdir(path) else "the submission is not a folder")
            if why:
                self.log.warning("Not collecting %s: %s", record["filename"], why)
                _record(course_root, record["username"], self.coursedir.assignment_id, record["filename"],
                        f"{why}: not collected")
            else:
                kept.append(record)
        self.src_records = kept

    def do_copy(self, src, dest, log=None):
        student = os.path.basename(src).split("+", 1)[0]
        limit = min(MAX_FILE_BYTES, 1000 * self.coursedir.max_file_size)
        left_out = safe_copy_submission(src, dest, ignore=list(self.coursedir.ignore),
                                        include=list(self.coursedir.include), max_file_bytes=limit,
                                        max_total_bytes=1000 * self.coursedir.max_dir_size)
        stamp = os.path.join(dest, "timestamp.txt")
        if os.path.isfile(stamp):
            try:
                with open(stamp, encoding="utf-8") as handle:
                    parse_utc(handle.read(200).strip())
            except Exception:  # noqa: BLE001 - any unreadable time stamp
                os.unlink(stamp)
                left_out.append(("timestamp.txt", "time stamp does not parse: not collected"))
        for relative, why in left_out:
            self.log.warning("%s: %s: %s", student, relative, why)
            _record(self.coursedir.root, student, self.coursedir.assignment_id, relative, why)


_EARLIEST = parse_utc("1970-01-01 00:00:00 UTC")
