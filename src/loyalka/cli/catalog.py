"""`loyalka stamps` and `loyalka rewards`: stamp cards and the rewards catalog from the command line."""

from __future__ import annotations

import getpass
import json
import uuid
from collections.abc import Callable
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from loyalka.cli.common import MAX_ID, DbOption, console, fail, open_database
from loyalka.domain.periods import utcnow
from loyalka.errors import InvalidInput, LoyaltyError

stamps_app = typer.Typer(help="Stamp cards: stamps, gifts of full columns.", no_args_is_help=True)
rewards_app = typer.Typer(help="The rewards catalog: redeem, fulfil, cancel, stock.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OrderId = Annotated[int, typer.Argument(metavar="ORDER", min=1, max=MAX_ID, help="The reward order's id.")]
Program = Annotated[str | None, typer.Option(help="The program's code (when several are loaded).")]
Key = Annotated[
    str | None, typer.Option(help="Idempotency key: the same key again changes nothing (default: a new one).")
]


def _run(db: str | None, work: Callable[[Session], Any]) -> Any:
    """One unit of work; a refusal is printed with its code and field, and nothing is written."""
    try:
        database = open_database(db)
        with database.unit_of_work() as session:
            return work(session)
    except LoyaltyError as exc:
        fail(exc)


def _print(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False))


# --- stamps --------------------------------------------------------------------------------------------------
@stamps_app.command("show")
def stamps_show(code: str, db: DbOption = None, as_json: AsJson = False) -> None:
    """Stamps on each card, the gifts full columns offer, and what the next order brings."""
    from loyalka.services.stamps import account_cards

    data = _run(db, lambda s: account_cards(s, code, now=utcnow()))
    if as_json:
        _print(data)
        return
    console.print(f"{data['account']} (tier: {data['tier'] or '—'})")
    for card in data["stamp_cards"]:
        console.print(f"\n{card['name']} [{card['card']}], card no. {card['cycle']}")
        for column in card["grid"]:
            cells = "●" * column["stamps"] + "○" * (card["cells"] - column["stamps"])
            mark = "  <- take it or keep collecting" if column["full"] else ""
            console.print(f"  column {column['column']}: {cells}  {column['gift']}{mark}")
        if card["waiting"]:
            console.print(f"  waiting for the next card: {card['waiting']} stamp(s)")
        console.print(f"  {card['next_order']['text']}")


@stamps_app.command("claim")
def stamps_claim(
    code: str,
    card: str,
    column: Annotated[int, typer.Option(help="The full column whose gift to take (1 for the first).")],
    key: Key = None,
    db: DbOption = None,
) -> None:
    """Take the gift of a full column; the card starts its next cycle."""
    from loyalka.services.stamps import claim_gift

    key = key or f"cli-{uuid.uuid4().hex}"
    claim, replayed = _run(
        db, lambda s: claim_gift(s, account_code=code, card_id=card, column=column, key=key, now=utcnow())
    )
    _print({**claim, "replayed": replayed})


# --- rewards -------------------------------------------------------------------------------------------------
@rewards_app.command("list")
def rewards_list(
    account: Annotated[str | None, typer.Option(help="Say whether this account may take each reward now.")] = None,
    program: Program = None,
    db: DbOption = None,
) -> None:
    """The catalog: price, stock, tiers; with --account, what that account may take now."""
    from loyalka.services.rewards import catalog

    _print(_run(db, lambda s: catalog(s, now=utcnow(), account_code=account, program=program)))


@rewards_app.command("redeem")
def rewards_redeem(
    reward: str,
    account: str,
    key: Key = None,
    contact: Annotated[str | None, typer.Option(help="The contact person who asked for it.")] = None,
    db: DbOption = None,
) -> None:
    """Redeem a reward for the account's points; opens an order to fulfil."""
    from loyalka.services.fulfilment import order_view
    from loyalka.services.rewards import redeem_reward

    key = key or f"cli-{uuid.uuid4().hex}"

    def work(session: Session) -> dict[str, Any]:
        order, replayed = redeem_reward(
            session, reward_id=reward, account_code=account, key=key, contact_code=contact, now=utcnow()
        )
        return {**order_view(session, order), "replayed": replayed}

    _print(_run(db, work))


@rewards_app.command("fulfil")
def rewards_fulfil(
    order: OrderId,
    note: Annotated[str | None, typer.Option(help="Who handed it over.")] = None,
    db: DbOption = None,
) -> None:
    """Mark a reward order handed over."""
    from loyalka.services.fulfilment import fulfil_order, order_view

    _print(_run(db, lambda s: order_view(s, fulfil_order(s, order, at=utcnow(), note=note))))


@rewards_app.command("cancel")
def rewards_cancel(
    order: OrderId,
    reason: Annotated[str | None, typer.Option(help="Why it is cancelled.")] = None,
    db: DbOption = None,
) -> None:
    """Cancel a reward order: points back to their lots, the item back to stock, a gift's stamps to the card."""
    from loyalka.services.fulfilment import cancel_order, order_view

    _print(_run(db, lambda s: order_view(s, cancel_order(s, order, at=utcnow(), reason=reason))))


@rewards_app.command("stock")
def rewards_stock(
    reward: str,
    stock: Annotated[str | None, typer.Argument(help="Items left: a number, or 'unlimited'; left out: show.")] = None,
    by: Annotated[str | None, typer.Option(help="Who sets it (default: the system user).")] = None,
    note: Annotated[str | None, typer.Option(help="Why (a delivery came in, a stock count...).")] = None,
    program: Program = None,
    db: DbOption = None,
) -> None:
    """Show a reward's stock and history, or set it (written to the history with who and why)."""
    from loyalka.services.rewards import reward_history, set_stock

    if stock is None:
        _print(_run(db, lambda s: reward_history(s, reward_id=reward, program=program)))
        return
    try:
        value = _stock_value(stock)
    except InvalidInput as exc:
        fail(exc)
    actor = by or getpass.getuser()
    _print(
        _run(
            db,
            lambda s: set_stock(
                s, reward_id=reward, stock=value, now=utcnow(), actor=actor, note=note, program=program
            ),
        )
    )


def _stock_value(text: str) -> int | None:
    if text.strip().lower() in ("unlimited", "none"):
        return None
    if not text.strip().isdigit():
        raise InvalidInput(
            f"stock must be a whole number of items or 'unlimited', got {text!r}", code="invalid_stock", field="stock"
        )
    return int(text)
