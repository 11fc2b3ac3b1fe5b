"""Sales history read into the canonical frame: the real data set's known figures, exact money, and bad input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from loyalka.analytics.history import LOYALKA_ORDERS, ONLINE_RETAIL, ColumnMap, read_history
from loyalka.errors import InvalidInput


def test_the_online_retail_data_has_its_published_rows_customers_and_total(online_retail) -> None:  # type: ignore[no-untyped-def]
    assert online_retail.rows == 541_909
    assert online_retail.rows_without_customer == 135_080
    assert online_retail.all_customers == 4_372
    assert online_retail.lines.select(pl.col("invoice").n_unique()).item() == 25_900
    # the sum of quantity x unit price of every row, 9,747,747.93 GBP, rounded per line to the penny
    assert online_retail.lines["amount_minor"].sum() == 974_774_793
    # 1,336 stock write-offs and the 3 bad-debt adjustments; the 9,288 cancellation rows are returns but for
    # their non-product lines (postage, discounts, manual lines...)
    assert online_retail.by_kind["adjustment"] == 1_339
    cancelled = online_retail.lines.filter(pl.col("invoice").str.starts_with("C"))
    assert cancelled.height == 9_288
    assert cancelled.filter(pl.col("kind") == "return").height == online_retail.by_kind["return"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "invoice,stock_code,description,quantity,invoice_date,unit_price,customer_id,country\n"


def test_line_values_are_exact_and_rounded_half_away_from_zero(tmp_path: Path) -> None:
    text = HEADER + (
        "1,A,x,3,2011-01-05T10:00:00,0.335,100,UK\n"  # 1.005 -> 1.01
        "C2,A,x,-3,2011-01-06T10:00:00,0.335,100,UK\n"  # -1.005 -> -1.01
        "3,POST,postage,1,2011-01-07T10:00:00,18.00,100,UK\n"
        "4,B,write-off,-5,2011-01-07T11:00:00,0,,UK\n"
    )
    history = read_history(write(tmp_path / "h.csv", text), ONLINE_RETAIL)
    assert history.lines["amount_minor"].to_list() == [101, -101, 1800, 0]
    assert history.lines["kind"].to_list() == ["sale", "return", "non_product", "adjustment"]
    assert history.client_lines.height == 2 and history.rows_without_customer == 1


def test_a_missing_column_an_empty_file_a_bad_date_and_a_bad_price_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as missing:
        read_history(write(tmp_path / "a.csv", "invoice,stock_code\n1,A\n"), ONLINE_RETAIL)
    assert missing.value.code == "missing_columns" and "customer (column 'customer_id')" in missing.value.message
    with pytest.raises(InvalidInput) as empty:
        read_history(write(tmp_path / "b.csv", HEADER), ONLINE_RETAIL)
    assert empty.value.code == "empty_file"
    with pytest.raises(InvalidInput) as date:
        read_history(write(tmp_path / "c.csv", HEADER + "1,A,x,1,05/01/2011 10:00,1.00,100,UK\n"), ONLINE_RETAIL)
    assert date.value.code == "invalid_date" and "line 2 ('05/01/2011 10:00')" in date.value.message
    with pytest.raises(InvalidInput) as price:
        read_history(write(tmp_path / "d.csv", HEADER + "1,A,x,1,2011-01-05T10:00:00,abc,100,UK\n"), ONLINE_RETAIL)
    assert price.value.code == "invalid_number" and "line 2 ('abc')" in price.value.message
    with pytest.raises(InvalidInput) as nothing:
        read_history(tmp_path / "none.csv", ONLINE_RETAIL)
    assert nothing.value.code == "file_not_found"


def test_a_mapping_with_a_date_format_and_line_amounts_reads_a_1c_style_file(tmp_path: Path) -> None:
    mapping = ColumnMap(customer="Контрагент", invoice="Документ", date="Дата", sku="Артикул", amount="Сумма",
                        quantity="Количество", date_format="%d.%m.%Y %H:%M", return_prefix=None)  # fmt: skip
    text = 'Контрагент,Документ,Дата,Артикул,Количество,Сумма\nООО Ромашка,РН-1,05.01.2011 10:00,A-1,2,"1 234,50"\n'
    history = read_history(write(tmp_path / "1c.csv", text), mapping)
    assert history.lines.row(0, named=True) | {"at": None} == {
        "customer": "ООО Ромашка", "invoice": "РН-1", "at": None, "sku": "A-1", "description": None,
        "category": None, "region": None, "quantity": 2.0, "amount_minor": 123450, "cost_minor": None, "kind": "sale",
    }  # fmt: skip
    with pytest.raises(InvalidInput) as both:
        ColumnMap(customer="a", invoice="b", date="c", sku="d", price="e", amount="f", quantity="g")
    assert both.value.code == "invalid_mapping"


def test_loyalka_orders_csv_reads_with_its_preset(tmp_path: Path) -> None:
    text = "account,order_id,occurred_at,sku,category,quantity,amount,cost\nA,O-1,2026-03-02T10:00:00+03:00,s,labour,1,3000.00,\n"
    history = read_history(write(tmp_path / "o.csv", text), LOYALKA_ORDERS)
    assert history.lines.select("customer", "category", "amount_minor").row(0) == ("A", "labour", 300_000)
    assert str(history.lines["at"][0]) == "2026-03-02 10:00:00"  # the wall-clock time in Moscow
