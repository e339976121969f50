"""`python -m evalguard_core` runs the CLI."""

import sys

from evalguard_core.cli import main

sys.exit(main())
