"""``python -m bot.cli`` runs the CLI (what the ``aitoday`` script does)."""

import sys

from bot.cli import main

sys.exit(main())
