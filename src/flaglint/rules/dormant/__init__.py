"""FL1xx: dormant and stale code behind flags.

- FL101 ``dormant_flag_path.py``: dormant code that only a live flag still reaches
  (evidence in ``evidence.py``, vulture's verdicts in ``unused.py``)
- FL103 ``flag_expired.py``: a flag read after its declared expiry
- FL104 ``dead_code_left_behind.py``: code a flag removal orphaned (``--base``)

Fixtures: ``tests/fixtures/rules/FL101*.py``, ``FL103*.py``, ``FL104*``.
"""

from flaglint.rules.dormant.dead_code_left_behind import DeadCodeLeftBehind
from flaglint.rules.dormant.dormant_flag_path import DormantFlagPath
from flaglint.rules.dormant.flag_expired import FlagExpired

RULES = (DormantFlagPath, FlagExpired, DeadCodeLeftBehind)
