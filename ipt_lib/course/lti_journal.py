"""What grade passback has sent: ``<course>/lti-passback-journal.jsonl``, one JSON object a line, append-only.

Each score the platform accepted is a line written (and flushed to disk) before the next one is sent, so a run that
stops half-way (network, Ctrl-C, a crash) keeps what it sent and the next run sends only the rest. Refusals are
lines too, for the record, but do not count as sent: the next run tries them again. A score counts as sent for a
line item and an LTI user when its *fingerprint* (score, maximum, progress, comment) matches the last accepted one,
so a changed grade is sent again and an unchanged one never is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Journal", "JOURNAL_NAME"]

JOURNAL_NAME = "lti-passback-journal.jsonl"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Journal:
    path: Path

    @classmethod
    def for_course(cls, course_dir: Path | str) -> "Journal":
        return cls(Path(course_dir) / JOURNAL_NAME)

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        found = []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                # a line cut by a crash mid-write: everything before it still counts
                if number != len(lines):
                    raise ValueError(f"{self.path}, line {number}: not JSON. Fix or remove that line; the journal "
                                     "is what keeps scores from being sent twice.") from None
        return found

    def sent(self) -> dict[tuple[str, str], str]:
        """(line item id, LTI user id) -> fingerprint of the last score the platform accepted."""
        last = {}
        for entry in self.entries():
            if entry.get("kind") == "score" and entry.get("accepted"):
                last[(entry["lineitem"], entry["user"])] = entry["fingerprint"]
        return last

    def append(self, **entry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": _now(), **entry}, ensure_ascii=False, sort_keys=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
