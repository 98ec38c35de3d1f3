"""Make an nbgitpuller link: one click copies (or updates) a git repository into the student's home on the hub
and opens a notebook from it. Usage:

    python docs/snippets/nbgitpuller_link.py https://hub.example.org https://git.example.org/ipt/lessons.git \\
        00_start_here.ipynb
"""

from __future__ import annotations

import sys
from urllib.parse import urlencode


def pull_link(hub: str, repo: str, notebook: str, *, branch: str = "main", folder: str | None = None) -> str:
    """The link to give students. ``folder`` is where the repository lands in their home (default: its name)."""
    folder = folder or repo.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]
    query = {"repo": repo, "branch": branch, "targetPath": folder, "urlpath": f"lab/tree/{folder}/{notebook}"}
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{urlencode(query)}"


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    print(pull_link(*sys.argv[1:]))
