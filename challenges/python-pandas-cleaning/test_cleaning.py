import pandas as pd
import pytest

from cleaning import clean, load, revenue_by_country


@pytest.fixture
def orders():
    return clean(load())


def test_duplicate_orders_are_dropped(orders):
    assert orders["order_id"].is_unique
    assert len(orders) == 8


def test_rows_without_customer_are_dropped(orders):
    assert 1007 not in set(orders["order_id"])


def test_names_are_trimmed_and_title_cased(orders):
    names = set(orders["customer"])
    assert "Ada Lovelace" in names
    assert "Barbara Liskov" in names


def test_countries_are_iso_codes(orders):
    assert set(orders["country"]) == {"GB", "US", "NL"}


def test_dates_are_parsed(orders):
    assert pd.api.types.is_datetime64_any_dtype(orders["order_date"])
    turing = orders.set_index("order_id").loc[1003, "order_date"]
    assert turing == pd.Timestamp("2026-01-03")


def test_amounts_are_numbers_and_missing_ones_are_zero(orders):
    amounts = orders.set_index("order_id")["amount"]
    assert amounts.dtype == float
    assert amounts[1002] == 1200.0
    assert amounts[1004] == 0.0
    assert amounts[1008] == 0.0


def test_revenue_by_country(orders):
    revenue = revenue_by_country(orders)
    assert list(revenue.index) == ["US", "GB", "NL"]
    assert revenue["US"] == pytest.approx(1515.0)
    assert revenue["GB"] == pytest.approx(200.5)
