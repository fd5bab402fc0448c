"""``python -m audiobook``."""

import sys

from audiobook.cli import run

sys.exit(run())
