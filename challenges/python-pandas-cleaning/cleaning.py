"""Clean up the raw order export in data/orders.csv (see README.md)."""
import pandas as pd


def load(path="data/orders.csv") -> pd.DataFrame:
    return pd.read_csv(path)


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Returns the cleaned orders. TODO: implement the rules in README.md."""
    return raw


def revenue_by_country(orders: pd.DataFrame) -> pd.Series:
    """Total amount per country code, largest first. TODO."""
    raise NotImplementedError
