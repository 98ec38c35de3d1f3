"""``python -m ipt_lib.pathway check [FOLDER]``: validate the training bodies' files and list them."""

import sys

from .bodies import _main

raise SystemExit(_main(sys.argv[1:]))
