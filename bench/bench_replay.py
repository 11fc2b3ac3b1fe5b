"""Replay N generated orders through engine + storage and print orders per second and peak memory.

    python bench/bench_replay.py --orders 50000                       # SQLite (a temporary file)
    python bench/bench_replay.py --orders 50000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

Each run uses a database of its own (a temp SQLite file, or a scratch PostgreSQL database created on the
given server and dropped afterwards). Orders are posted in batches (one unit of work each), as an import
or a replay does; a share of them pays with points (one-phase redemption), so the ledger's spending path
is measured too. Not a test: keep it out of the test run.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, make_url, text

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn
from loyalka.runtime import tune_collector
from loyalka.services.accounts import create_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.storage.database import Database

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MSK = ZoneInfo("Europe/Moscow")


def make_orders(count: int, accounts: int, seed: int, redeem_share: float) -> list[OrderIn]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, 9, tzinfo=MSK)
    span_s = 300 * 86400
    times = sorted(rng.randrange(span_s) for _ in range(count))
    return [
        OrderIn(
            event_id=f"b{i}",
            account=f"A{rng.randrange(accounts):05d}",
            order_ref=f"B-{i}",
            occurred_at=start + timedelta(seconds=t),
            total_minor=int(rng.lognormvariate(13.2, 0.8)) + 30_000,
            redeem_max=rng.random() < redeem_share,
        )
        for i, t in enumerate(times)
    ]


def run(url: str, orders: list[OrderIn], accounts: int, batch: int, program: Path) -> float:
    database = Database(url)
    database.migrate()
    joined = datetime(2025, 12, 1, tzinfo=MSK)
    with database.unit_of_work() as session:
        load_program(session, program.read_text(encoding="utf-8"), now=joined)
        for i in range(accounts):
            create_account(session, AccountIn(code=f"A{i:05d}", name=f"Компания {i}", region="Москва"), now=joined)
    started = time.perf_counter()
    for i in range(0, len(orders), batch):
        chunk = orders[i : i + batch]
        with database.unit_of_work() as session:
            post_orders(session, chunk, now=chunk[-1].occurred_at)
    elapsed = time.perf_counter() - started
    database.dispose()
    return elapsed


def main() -> None:
    tune_collector()  # as the `loyalka` command does (src/loyalka/runtime.py)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--redeem-share", type=float, default=0.3)
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a PostgreSQL URL of a server to use")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--program", default="textile.yaml", help="an example program (examples/NAME)")
    args = parser.parse_args()
    orders = make_orders(args.orders, args.accounts, args.seed, args.redeem_share)
    scratch = None
    if args.db == "sqlite":
        folder = tempfile.mkdtemp(prefix="loyalka-bench-")
        url = f"sqlite:///{folder}/bench.db"
    else:
        base = make_url(args.db)
        scratch = f"loyalka_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = base.set(database=scratch).render_as_string(hide_password=False)
    try:
        elapsed = run(url, orders, args.accounts, args.batch, EXAMPLES / args.program)
    finally:
        if scratch:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    backend = "sqlite" if args.db == "sqlite" else "postgresql"
    print(
        f"{backend}, {args.program}: {len(orders)} orders ({args.redeem_share:.0%} paying with points) in {elapsed:.2f} s "
        f"= {len(orders) / elapsed:,.0f} orders/s; peak RSS {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
