"""Driver analysis: which ticket attributes explain an outcome (docs/drivers.md).

``features`` builds one row per ticket from the store; ``outcomes`` names what can be explained;
``design`` and ``fit`` hold the model; ``analysis`` ranks the levels as a Pareto of what is
avoidable.
"""

from pdca.methods.drivers.analysis import DEFAULT_BY, DriverResult, analyse
from pdca.methods.drivers.features import ticket_table
from pdca.methods.drivers.outcomes import OUTCOMES, get_outcome

__all__ = ["DEFAULT_BY", "OUTCOMES", "DriverResult", "analyse", "get_outcome", "ticket_table"]
