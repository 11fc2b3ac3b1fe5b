"""What a CEL rule condition costs per evaluated event (cel-python), compiled once as the engine does.

python bench/bench_conditions.py [--n 5000]
"""

from __future__ import annotations

import argparse
import time

from loyalka.program.conditions import compile_condition, evaluate

CONDITION = 'order.total >= 5000000 && account.region == "Москва" && !("blocked" in account.tags)'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    compile_condition(CONDITION)
    account = {"region": "Москва", "industry": "Салон", "tags": ["salon"], "status": "active", "id": 1}
    started = time.perf_counter()
    hits = 0
    for i in range(args.n):
        hits += evaluate(CONDITION, {"order": {"total": 4_000_000 + i * 500, "points_paid": 0}, "account": account})
    elapsed = time.perf_counter() - started
    print(f"{args.n} evaluations in {elapsed:.2f} s = {elapsed / args.n * 1e6:.0f} µs each ({hits} true)")


if __name__ == "__main__":
    main()
