"""Import orders (and accounts) from CSV.

Every row is checked first and each broken row is reported with its line number. By default a file with
any broken row imports nothing; with ``skip_bad`` the good rows are imported and the bad ones reported.
All good rows go in one transaction, so an interruption leaves the database as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn
from loyalka.errors import InvalidInput, LoyaltyError
from loyalka.imports.order_rows import (
    LINE_COLUMNS,
    LINE_OPTIONAL,
    ORDER_COLUMNS,
    ORDER_OPTIONAL,
    RowError,
    parse_orders,
    required_columns,
)
from loyalka.services.accounts import create_account
from loyalka.services.events import post_orders
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, OrderRow

ACCOUNT_COLUMNS = ("code", "name")
ACCOUNT_OPTIONAL = ("inn", "region", "industry", "manager", "tags", "referred_by")
BATCH = 1000


@dataclass
class ImportReport:
    path: str
    rows: int = 0
    imported: int = 0
    replayed: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


def _rows(
    path: Path,
    required: tuple[str, ...] | Callable[[list[str]], tuple[str, ...]],
    optional: tuple[str, ...],
    encoding: str = "utf-8-sig",
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with their line numbers, once its header has the ``required`` columns (or the
    columns ``required(header)`` names) and nothing beyond them and the ``optional`` ones."""
    try:
        text = path.read_text(encoding=encoding)
    except FileNotFoundError as exc:
        raise InvalidInput(f"no such file: {path}", code="file_not_found", field="file") from exc
    except LookupError as exc:
        raise InvalidInput(f"unknown encoding {encoding!r}", code="invalid_encoding", field="encoding") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{path}: line {line}: the file is not {encoding.removesuffix('-sig').upper()} text; "
            "a 1C export in Windows-1251 needs --encoding cp1251",
            code="invalid_encoding",
            field="file",
        ) from exc
    except OSError as exc:  # a directory, no permission...
        raise InvalidInput(
            f"{path} cannot be read: {exc.strerror or exc}", code="file_unreadable", field="file"
        ) from exc
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        if callable(required):
            required = required(header)
        missing = [c for c in required if c not in header]
        if missing:
            raise InvalidInput(
                f"{path}: line 1: the header lacks column(s) {', '.join(missing)}; expected {', '.join(required)}"
                f" (optional: {', '.join(optional)})",
                code="missing_columns",
                field="header",
            )
        twice = sorted({c for c in header if header.count(c) > 1})
        if twice:
            raise InvalidInput(
                f"{path}: line 1: column(s) {', '.join(twice)} given twice", code="duplicate_columns", field="header"
            )
        unknown = [c for c in header if c not in (*required, *optional)]
        if unknown:
            raise InvalidInput(
                f"{path}: line 1: unknown column(s) {', '.join(unknown)}", code="unknown_columns", field="header"
            )
        for row in reader:
            yield reader.line_num, row


def import_orders(
    database: Database,
    path: Path,
    *,
    now: datetime,
    skip_bad: bool = False,
    encoding: str = "utf-8-sig",
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    report = ImportReport(str(path))
    rows = []
    for line, row in _rows(
        path, required_columns, ORDER_COLUMNS + ORDER_OPTIONAL + LINE_COLUMNS + LINE_OPTIONAL, encoding
    ):
        report.rows += 1
        rows.append((line, row))
    parsed = parse_orders(rows, report.errors)
    try:
        with database.unit_of_work() as session:
            good = _check_against_database(session, parsed, report)
            for start in range(0, len(good), BATCH):
                _post_batch(session, good[start : start + BATCH], report, now)
                if progress:
                    progress(min(start + BATCH, len(good)), len(good))
            if report.errors and not skip_bad:
                raise _RollBack
    except _RollBack:
        report.imported = report.replayed = 0
        return report
    report.committed = True
    return report


class _RollBack(Exception):
    """Leave the unit of work without committing: the file had broken rows and --skip-bad was not given."""


def _post_batch(session: Session, batch: list[tuple[int, OrderIn]], report: ImportReport, now: datetime) -> None:
    """Post a batch at once; if the engine refuses any of it, post its rows one by one to find which."""
    try:
        with session.begin_nested():
            outcomes = post_orders(session, [order for _, order in batch], now=now)
    except LoyaltyError:
        outcomes = []
        for line, order in batch:
            try:
                with session.begin_nested():
                    outcomes += post_orders(session, [order], now=now)
            except LoyaltyError as exc:
                report.errors.append(RowError(line, exc.message, exc.field))
    report.imported += sum(1 for o in outcomes if not o.replayed)
    report.replayed += sum(1 for o in outcomes if o.replayed)


def _check_against_database(
    session: Session, parsed: list[tuple[int, OrderIn]], report: ImportReport
) -> list[tuple[int, OrderIn]]:
    """Row errors only the database can tell: unknown accounts, stale versions, an order twice in the file.
    An order recorded already at the same version goes to the engine: a re-send changes nothing, other content
    is a conflict it reports."""
    codes = {o.account for _, o in parsed}
    known = set(session.scalars(select(AccountRow.code).where(AccountRow.code.in_(codes)))) if codes else set()
    refs = sorted({o.order_ref for _, o in parsed})
    recorded: dict[str, int] = {}
    for start in range(0, len(refs), 5000):
        chunk = refs[start : start + 5000]
        recorded.update(
            session.execute(select(OrderRow.order_ref, OrderRow.version).where(OrderRow.order_ref.in_(chunk))).all()
        )
    good: list[tuple[int, OrderIn]] = []
    first_line: dict[tuple[str, int], int] = {}
    for line, order in parsed:
        key = (order.order_ref, order.version)
        if order.account not in known:
            report.errors.append(RowError(line, f"no account with code {order.account!r}", "account"))
        elif key in first_line:
            report.errors.append(
                RowError(
                    line,
                    f"order {order.order_ref!r}{_version_text(order)} is also on line {first_line[key]}",
                    "order_id",
                )
            )
        elif order.version < recorded.get(order.order_ref, 0):
            report.errors.append(
                RowError(
                    line,
                    f"order {order.order_ref!r} is recorded at version {recorded[order.order_ref]} "
                    f"already; version {order.version} is stale",
                    "version",
                )
            )
        else:
            first_line[key] = line
            good.append((line, order))
    return good


def _version_text(order: OrderIn) -> str:
    return f" version {order.version}" if order.version != 1 else ""


def import_accounts(
    database: Database,
    path: Path,
    *,
    now: datetime,
    skip_bad: bool = False,
    program: str | None = None,
    encoding: str = "utf-8-sig",
) -> ImportReport:
    """Accounts whose code exists already count as already there and are left as they are."""
    report = ImportReport(str(path))
    parsed: list[tuple[int, AccountIn]] = []
    for line, row in _rows(path, ACCOUNT_COLUMNS, ACCOUNT_OPTIONAL, encoding):
        report.rows += 1
        try:
            if None in row:
                raise InvalidInput("the row has more fields than the header", code="extra_fields")
            parsed.append(
                (
                    line,
                    AccountIn(
                        code=(row["code"] or "").strip(),
                        name=row["name"] or "",
                        inn=(row.get("inn") or "").strip() or None,
                        region=(row.get("region") or "").strip() or None,
                        industry=(row.get("industry") or "").strip() or None,
                        manager=(row.get("manager") or "").strip() or None,
                        tags=tuple(t.strip() for t in (row.get("tags") or "").split(";") if t.strip()),
                        referred_by=(row.get("referred_by") or "").strip() or None,
                    ),
                )
            )
        except LoyaltyError as exc:
            report.errors.append(RowError(line, exc.message, exc.field))
    try:
        with database.unit_of_work() as session:
            _create_accounts(session, parsed, report, now, program)
            if report.errors and not skip_bad:
                raise _RollBack
    except _RollBack:
        report.imported = report.replayed = 0
        return report
    report.committed = True
    return report


def _create_accounts(
    session: Session, parsed: list[tuple[int, AccountIn]], report: ImportReport, now: datetime, program: str | None
) -> None:
    """Each account in a savepoint: a row the service refuses (an unknown referral code...) is reported with
    its line and leaves the others as they are."""
    existing = set(session.scalars(select(AccountRow.code)))
    for line, account in parsed:
        if account.code in existing:
            report.replayed += 1
            continue
        try:
            with session.begin_nested():
                create_account(session, account, now=now, program=program)
        except LoyaltyError as exc:
            if exc.code == "program_not_found" or exc.field == "program":
                raise  # the --program option, not the row: every row would fail alike
            report.errors.append(RowError(line, exc.message, exc.field))
            continue
        existing.add(account.code)
        report.imported += 1
