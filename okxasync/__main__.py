"""``python -m okxasync`` and the ``okxasync`` console script (see ``okxasync._cli``)."""

from __future__ import annotations

import sys

from okxasync._cli import main

if __name__ == "__main__":
    sys.exit(main())
