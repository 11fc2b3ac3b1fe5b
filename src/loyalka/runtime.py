"""Process settings for Loyalka's long-running entry points (the CLI, the server).

Posting a batch of a thousand orders allocates hundreds of thousands of small objects that live as long as the
batch's transaction; with Python's default collector thresholds (a collection every 700 allocations) the
collector walks them again and again, which costs about a tenth of a replay's time (bench/README.md).
Collecting less often, with what was loaded at start-up frozen out of the collector's reach, removes that
cost; memory still returns as batches end, since reference counting frees almost everything.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 50_000


def tune_collector() -> None:
    """Freeze the objects made so far (modules, program caches) and collect young objects less often."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
