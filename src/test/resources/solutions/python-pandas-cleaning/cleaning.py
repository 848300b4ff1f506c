"""The reference solution: kept in the test sources, never given to candidates."""
import pandas as pd

COUNTRIES = {"UK": "GB", "USA": "US", "U.S.": "US"}


def load(path="data/orders.csv") -> pd.DataFrame:
    return pd.read_csv(path, dtype={"amount": str})


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    df = raw.drop_duplicates().copy()
    df["customer"] = df["customer"].astype("string").str.strip()
    df = df[df["customer"].notna() & (df["customer"] != "")].copy()
    df["customer"] = df["customer"].str.title().astype(object)
    country = df["country"].str.strip().str.upper()
    df["country"] = country.replace(COUNTRIES)
    iso = pd.to_datetime(df["order_date"], format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(df["order_date"], format="%d/%m/%Y", errors="coerce")
    df["order_date"] = iso.fillna(dmy)
    amount = df["amount"].astype("string").str.replace(",", "", regex=False)
    df["amount"] = pd.to_numeric(amount, errors="coerce").fillna(0.0).astype(float)
    return df.reset_index(drop=True)


def revenue_by_country(orders: pd.DataFrame) -> pd.Series:
    return orders.groupby("country")["amount"].sum().sort_values(ascending=False)
