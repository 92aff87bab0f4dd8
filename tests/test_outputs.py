import csv
import json

import pandas as pd
import pytest

from pipeline.outputs import OutputError, safe_cell, write_table


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1 555", "'+1 555"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("Sesame Credit", "Sesame Credit"), (0.5, 0.5),
])
def test_formula_cells_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_writers_by_extension(tmp_path):
    rows = [{"id": "1", "text": "=cmd|' /C calc'!A0", "n": 2}]
    for ext in ("csv", "jsonl", "parquet"):
        write_table(rows, tmp_path / f"t.{ext}", ["id", "text", "n"])
    assert list(csv.DictReader(open(tmp_path / "t.csv")))[0]["text"].startswith("'=")
    assert json.loads((tmp_path / "t.jsonl").read_text())["text"].startswith("=")
    assert pd.read_parquet(tmp_path / "t.parquet")["n"].tolist() == [2]
    with pytest.raises(OutputError, match="unsupported output format .xlsx"):
        write_table(rows, tmp_path / "t.xlsx", ["id"])
