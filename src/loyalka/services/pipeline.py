"""The features that take part in posting orders and in deciding whether an account may spend.

Explicit lists, in the order they run: a feature joins by adding its factory here (see ``services.stages``).
"""

from __future__ import annotations

from loyalka.services.stages import SpendingBlock, StageFactory

ORDER_STAGES: list[StageFactory] = []

# each returns why an account may not pay with points at a moment (an overdue invoice...), or None
SPENDING_BLOCKS: list[SpendingBlock] = []
