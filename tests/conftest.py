"""Make ``from factories import ...`` work in every test module.

The tests folder is appended, not prepended, to ``sys.path``: it holds
packages named ``models`` and ``scheduler`` that would otherwise shadow the
real ones.
"""

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.append(TESTS)
