"""``python -m driftwatch_nb.cli``: the same as the ``driftwatch`` command."""

import sys

from driftwatch_nb.cli import main

sys.exit(main())
