"""``python -m bot`` runs the ``incident-bot`` command."""

import sys

from bot.cli import main

sys.exit(main())
