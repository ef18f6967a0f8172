"""FL2xx: flag identity, a key or value given a second meaning.

- FL201 ``flag_repurposed.py``: a key whose gated code changed entirely (``--base``)
- FL202 ``flag_value_alias.py``: two names for one flag
- FL203 ``flag_resurrected.py``: a key removed and read again (``--base``)
"""

from flaglint.rules.identity.flag_repurposed import FlagRepurposed
from flaglint.rules.identity.flag_resurrected import FlagResurrected
from flaglint.rules.identity.flag_value_alias import FlagValueAlias

RULES = (FlagRepurposed, FlagValueAlias, FlagResurrected)
