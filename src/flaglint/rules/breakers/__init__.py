"""FL3xx: circuit breakers, the cumulative bounds on repeated dispatch.

- FL301 ``unbounded_dispatch.py``: a sink call repeated with no bound
- FL302 ``circuit_breaker_removed.py``: a bound guard gone since ``--base``

What they share: ``analysis.py`` (sinks, repeated contexts, bound guards) and
``messages.py`` (how a finding describes them).
"""

from flaglint.rules.breakers.circuit_breaker_removed import CircuitBreakerRemoved
from flaglint.rules.breakers.unbounded_dispatch import UnboundedDispatch

RULES = (UnboundedDispatch, CircuitBreakerRemoved)
