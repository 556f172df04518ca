"""``python -m fastapml.cli``: the ``fastapml`` command."""

import sys

from ._main import main

sys.exit(main())
