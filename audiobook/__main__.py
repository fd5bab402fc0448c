"""``python -m audiobook``."""

import sys

from audiobook.cli import main

sys.exit(main())
