"""Allow ``python -m snapshot_operator``."""

import sys

from snapshot_operator.cli import main

sys.exit(main())
