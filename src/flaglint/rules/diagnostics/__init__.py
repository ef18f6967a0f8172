"""FL9xx: diagnostics about the input rather than hazards in it.

- FL901 ``parse_error.py``: a file that could not be parsed
- FL902 ``unused_suppression.py``: a suppression comment that hid nothing
"""

from flaglint.rules.diagnostics.parse_error import ParseFailure
from flaglint.rules.diagnostics.unused_suppression import UnusedSuppression

RULES = (ParseFailure, UnusedSuppression)
