"""nbgrader exchange classes that never leave a half-written submission where collect can see it."""

from __future__ import annotations

import os
import shutil
import tempfile

from nbgrader.exchange.default.submit import ExchangeSubmit


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
