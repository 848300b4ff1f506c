"""Runs each answer in answers/ against a fresh copy of shop.sql and compares it with the expected rows."""
import pathlib
import sqlite3
import sys

HERE = pathlib.Path(__file__).parent
EXPECTED = {
    "1_revenue_by_month": [("2026-01", 250.0), ("2026-02", 70.0), ("2026-03", 420.0)],
    "2_top_customers": [("Barbara", 360.0), ("Grace", 240.0), ("Ada", 85.0)],
    "3_never_ordered": [("Webcam",)],
}


def run(name: str) -> list:
    db = sqlite3.connect(":memory:")
    db.executescript((HERE / "shop.sql").read_text())
    query = (HERE / "answers" / f"{name}.sql").read_text()
    return [tuple(row) for row in db.execute(query).fetchall()]


def main() -> int:
    failed = 0
    for name, expected in EXPECTED.items():
        try:
            got = run(name)
        except sqlite3.Error as e:
            got = f"error: {e}"
        ok = got == expected
        failed += not ok
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else f"\n  expected {expected}\n  got      {got}"))
    print(f"{len(EXPECTED) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
