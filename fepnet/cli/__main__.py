"""``python -m fepnet.cli``: the ``fepnet`` command."""

import sys

from . import main

sys.exit(main())
