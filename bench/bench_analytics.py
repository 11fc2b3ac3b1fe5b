"""The same KPIs and RFM with Polars and with DuckDB on the real data: time and peak memory of each.

    python bench/bench_analytics.py                    # every engine, each in a fresh process, then the table
    python bench/bench_analytics.py --engine duckdb    # one engine in this process (what the parent runs)

Engines:
  polars       loyalka's own code: read_history (the CSV into the canonical frame), period_kpis by month and by
               quarter, rfm
  duckdb       the same in DuckDB SQL: read_csv of the same file into the same canonical table (exact decimals,
               the same kinds), then the same KPIs and RFM as SQL queries
  duckdb-on-polars  read_history, then the DuckDB queries over the Polars frame (compute only, same input)

Each engine runs in a process of its own so its peak resident memory (ru_maxrss) is its own; the compute steps
are timed as the best of --repeat runs. The parent checks the engines' results agree row for row (KPIs of every
month and quarter, every client's RFM scores and segment) before printing the figures. Needs the bench extra:
pip install -e '.[bench]'. Not a test: the suite never times anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "online_retail.csv.gz"
THRESHOLD_MINOR = 60_000
ENGINES = ("polars", "duckdb", "duckdb-on-polars")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best(repeat: int, work):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


# --- Polars: loyalka's code ---------------------------------------------------------------------------


def polars_load(path: Path):  # type: ignore[no-untyped-def]
    from loyalka.analytics.history import ONLINE_RETAIL, read_history

    return read_history(path, ONLINE_RETAIL).lines


def polars_kpis(lines) -> dict[str, list]:  # type: ignore[no-untyped-def]
    from loyalka.analytics.kpis_history import period_kpis

    out = {}
    for period in ("month", "quarter"):
        table = period_kpis(lines, period=period, threshold_minor=THRESHOLD_MINOR).table
        out[period] = [list(row) for row in table.select(KPI_COLUMNS).rows()]
    return out


def polars_rfm(lines) -> list[list]:  # type: ignore[no-untyped-def]
    from loyalka.analytics.rfm import rfm

    clients = rfm(lines).clients.select("customer", "recency_days", "frequency", "monetary_minor", "r", "f", "m",
                                        "segment")  # fmt: skip
    return [list(row) for row in clients.sort("customer").rows()]


# --- DuckDB: the same in SQL --------------------------------------------------------------------------

LOAD_SQL = """
CREATE OR REPLACE TABLE lines AS
WITH raw AS (SELECT * FROM read_csv(?, all_varchar = true, header = true)),
typed AS (
  SELECT nullif(trim(customer_id), '') AS customer, nullif(trim(invoice), '') AS invoice,
         try_strptime(invoice_date, '%Y-%m-%dT%H:%M:%S') AS "at", trim(stock_code) AS sku,
         nullif(trim(country), '') AS region,
         try_cast(quantity AS DECIMAL(18, 6)) AS qty, try_cast(unit_price AS DECIMAL(18, 6)) AS price
  FROM raw)
SELECT customer, invoice, "at", sku, region, qty::DOUBLE AS quantity,
       (round(qty * price, 2) * 100)::BIGINT AS amount_minor,
       CASE WHEN invoice LIKE 'A%' OR (qty < 0 AND customer IS NULL AND invoice NOT LIKE 'C%') THEN 'adjustment'
            WHEN sku IN ({fees}) THEN 'non_product'
            WHEN invoice LIKE 'C%' OR qty < 0 THEN 'return' ELSE 'sale' END AS kind
FROM typed
"""


def duckdb_load(con, path: Path) -> None:  # type: ignore[no-untyped-def]
    from loyalka.analytics.history import ONLINE_RETAIL

    fees = ", ".join("'" + code.replace("'", "''") + "'" for code in sorted(ONLINE_RETAIL.non_product))
    con.execute(LOAD_SQL.format(fees=fees), [str(path)])
    bad = con.sql('SELECT count(*) FROM lines WHERE "at" IS NULL OR amount_minor IS NULL').fetchall()[0][0]
    if bad:  # the same refusal as read_history
        raise SystemExit(f"{bad} rows with a bad date or number")


class _Stream:
    """The Polars frame through the Arrow C stream interface (DuckDB reads it without pyarrow)."""

    def __init__(self, frame) -> None:  # type: ignore[no-untyped-def]
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema=None):  # type: ignore[no-untyped-def]
        return self.frame.__arrow_c_stream__(requested_schema)


def polars_into_duckdb(con, path: Path) -> None:  # type: ignore[no-untyped-def]
    """read_history, then the frame copied into a DuckDB table."""
    con.register("polars_frame", _Stream(polars_load(path)))
    con.execute("CREATE OR REPLACE TABLE polars_lines AS SELECT * FROM polars_frame")
    con.unregister("polars_frame")


def _key(column: str, period: str) -> str:
    if period == "month":
        return f"strftime({column}, '%Y-%m')"
    return f"year({column})::VARCHAR || '-Q' || quarter({column})::VARCHAR"


def kpi_sql(period: str, table: str) -> str:
    return f"""
WITH cl AS (SELECT * FROM {table} WHERE customer IS NOT NULL AND kind IN ('sale', 'return')),
pc AS (SELECT customer, {_key('"at"', period)} AS period, sum(amount_minor) AS net,
              count(DISTINCT invoice) FILTER (WHERE kind = 'sale') AS invoices,
              count(DISTINCT sku) FILTER (WHERE kind = 'sale') AS products
       FROM cl GROUP BY ALL),
pm AS (SELECT customer, {_key('"at"', period)} AS period, strftime("at", '%Y-%m') AS month, sum(amount_minor) AS net
       FROM cl GROUP BY ALL HAVING sum(amount_minor) > 0),
act AS (SELECT * FROM pc WHERE net > 0),
bounds AS (SELECT min("at") AS first, max("at") AS last FROM {table}),
cal AS (SELECT DISTINCT {_key("m", period)} AS period
        FROM bounds, generate_series(date_trunc('month', first), date_trunc('month', last), INTERVAL 1 MONTH) g(m)),
periods AS (SELECT period, lag(period) OVER (ORDER BY period) AS prev FROM cal),
counts AS (SELECT period, count(*) AS clients, sum(net) AS active_net, sum(invoices) AS invoices,
                  sum(products) AS products FROM act GROUP BY period),
months AS (SELECT period, count(*) AS client_months, sum(net) AS month_net,
                  count(*) FILTER (WHERE net < {THRESHOLD_MINOR}) AS under FROM pm GROUP BY period),
sales AS (SELECT period, sum(net) AS net_sales FROM pc GROUP BY period),
ret AS (SELECT p.period, count(*) AS base, count(n.customer) AS kept
        FROM periods p JOIN act a ON a.period = p.prev
        LEFT JOIN act n ON n.customer = a.customer AND n.period = p.period GROUP BY p.period)
SELECT p.period,
       coalesce(c.clients, 0) AS active_clients,
       CASE WHEN m.client_months > 0 THEN (2 * abs(m.month_net) + m.client_months) // (2 * m.client_months)
            * sign(m.month_net) END AS avg_monthly_purchases_minor,
       CASE WHEN m.client_months > 0 THEN m.under / m.client_months END AS under_threshold_share,
       coalesce(c.invoices, 0) AS invoices,
       CASE WHEN c.invoices > 0 THEN (2 * abs(c.active_net) + c.invoices) // (2 * c.invoices)
            * sign(c.active_net) END AS avg_check_minor,
       CASE WHEN r.base > 0 THEN r.kept / r.base END AS retention,
       CASE WHEN c.clients > 0 THEN c.products / c.clients END AS breadth,
       coalesce(s.net_sales, 0) AS net_sales_minor
FROM periods p LEFT JOIN counts c USING (period) LEFT JOIN months m USING (period)
     LEFT JOIN sales s USING (period) LEFT JOIN ret r USING (period)
ORDER BY p.period
"""


def rfm_sql(table: str, at: date) -> str:
    from loyalka.analytics.rfm import SEGMENT_GRID

    cases = " ".join(f"WHEN r = {r} AND fm = {i} THEN '{name.replace(chr(39), chr(39) * 2)}'"
                     for r, row in SEGMENT_GRID.items() for i, name in enumerate(row, start=1))  # fmt: skip
    return f"""
WITH cl AS (SELECT * FROM {table}
            WHERE customer IS NOT NULL AND kind IN ('sale', 'return') AND "at" < TIMESTAMP '{at}'),
pc AS (SELECT customer, max("at") FILTER (WHERE kind = 'sale')::DATE AS last,
              count(DISTINCT invoice) FILTER (WHERE kind = 'sale') AS frequency, sum(amount_minor) AS monetary
       FROM cl GROUP BY customer HAVING sum(amount_minor) > 0),
sc AS (SELECT *, DATE '{at}' - last AS recency, count(*) OVER () AS n FROM pc),
scored AS (SELECT customer, recency, frequency, monetary,
                  1 + 5 * (rank() OVER (ORDER BY recency DESC) - 1) // n AS r,
                  1 + 5 * (rank() OVER (ORDER BY frequency) - 1) // n AS f,
                  1 + 5 * (rank() OVER (ORDER BY monetary) - 1) // n AS m FROM sc)
SELECT customer, recency, frequency, monetary, r, f, m, CASE {cases} END AS segment
FROM (SELECT *, (f + m) // 2 AS fm FROM scored) ORDER BY customer
"""


def duckdb_kpis(con, table: str) -> dict[str, list]:  # type: ignore[no-untyped-def]
    return {p: [list(row) for row in con.sql(kpi_sql(p, table)).fetchall()] for p in ("month", "quarter")}


def duckdb_rfm(con, table: str) -> list[list]:  # type: ignore[no-untyped-def]
    last = con.sql(f'SELECT max("at")::DATE FROM {table}').fetchall()[0][0]
    at = date.fromordinal(last.toordinal() + 1)
    return [list(row) for row in con.sql(rfm_sql(table, at)).fetchall()]


KPI_COLUMNS = ["period", "active_clients", "avg_monthly_purchases_minor", "under_threshold_share", "invoices",
               "avg_check_minor", "retention", "breadth", "net_sales_minor"]  # fmt: skip


# --- one engine, one process ------------------------------------------------------------------------


def run_engine(engine: str, path: Path, repeat: int) -> dict:
    baseline = rss_mb()
    started = time.perf_counter()
    if engine == "polars":
        import polars  # noqa: F401

        imported = time.perf_counter()
        load_s, lines = best(1, lambda: polars_load(path))
        loaded_mb = rss_mb()
        kpis_s, kpis = best(repeat, lambda: polars_kpis(lines))
        rfm_s, clients = best(repeat, lambda: polars_rfm(lines))
    else:
        import duckdb

        con = duckdb.connect()
        imported = time.perf_counter()
        if engine == "duckdb":
            load_s, _ = best(1, lambda: duckdb_load(con, path))
            table = "lines"
            loaded_mb = rss_mb()
        else:
            load_s, _ = best(1, lambda: polars_into_duckdb(con, path))
            table = "polars_lines"
            loaded_mb = rss_mb()
        kpis_s, kpis = best(repeat, lambda: duckdb_kpis(con, table))
        rfm_s, clients = best(repeat, lambda: duckdb_rfm(con, table))
        con.close()
    return {
        "engine": engine,
        "import_s": imported - started,
        "load_s": load_s,
        "kpis_s": kpis_s,
        "rfm_s": rfm_s,
        "baseline_mb": baseline,
        "loaded_mb": loaded_mb,
        "peak_mb": rss_mb(),
        "kpis": kpis,
        "rfm_digest": hashlib.sha256(json.dumps(_plain(clients)).encode()).hexdigest(),
        "rfm_clients": len(clients),
        "rfm_revenue_minor": sum(int(row[3]) for row in clients),
    }


def _plain(value):  # type: ignore[no-untyped-def]
    """JSON-able, with floats rounded to 12 digits (SQL and Polars may differ in the last bit)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 12)
    if value is None or isinstance(value, (str, bool)):
        return value
    return int(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=ENGINES)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.engine:
        result = run_engine(args.engine, args.data, args.repeat)
        result["kpis"] = _plain(result["kpis"])
        print(json.dumps(result))
        return
    results = []
    for engine in ENGINES:
        out = subprocess.run([sys.executable, __file__, "--engine", engine, "--data", str(args.data), "--repeat",
                              str(args.repeat)], check=True, capture_output=True, text=True)  # fmt: skip
        results.append(json.loads(out.stdout))
    reference = results[0]
    for other in results[1:]:
        for key in ("kpis", "rfm_digest", "rfm_clients", "rfm_revenue_minor"):
            assert other[key] == reference[key], f"{other['engine']} disagrees with polars on {key}"
    print(f"{args.data.name}: the engines agree (KPIs of {len(reference['kpis']['month'])} months and "
          f"{len(reference['kpis']['quarter'])} quarters, RFM of {reference['rfm_clients']:,} clients, revenue "
          f"{reference['rfm_revenue_minor'] / 100:,.2f})\n")  # fmt: skip
    print("| engine | import | load (CSV -> lines) | KPIs (month + quarter) | RFM | peak RSS after load | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['engine']} | {r['import_s']:.2f} s | {r['load_s']:.2f} s | {r['kpis_s'] * 1000:.0f} ms | "
              f"{r['rfm_s'] * 1000:.0f} ms | {r['loaded_mb']:.0f} MB | {r['peak_mb']:.0f} MB |")  # fmt: skip


if __name__ == "__main__":
    main()
