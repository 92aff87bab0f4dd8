import csv
import json

import pandas as pd
import pytest

from pipeline.outputs import OutputError, RecordWriter, safe_cell, staging_path, write_table


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


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_a_resumed_writer_drops_rows_past_the_offset(tmp_path, ext):
    path = tmp_path / f"r.{ext}"
    writer = RecordWriter(path, ["id", "n", "score", "flag"])
    writer.write({"id": "a", "n": 1, "score": 0.5, "flag": True})
    offset = writer.offset()
    writer.write({"id": "lost", "n": 9})
    writer.fh.close()  # killed before its checkpoint
    with RecordWriter(path, ["id", "n", "score", "flag"], offset=offset) as writer:
        writer.write({"id": "b", "n": 2, "score": None, "flag": False})
    if ext == "parquet":
        frame = pd.read_parquet(path)
        assert frame["id"].tolist() == ["a", "b"] and frame["n"].tolist() == [1, 2]
        assert str(frame["flag"].dtype) == "bool" and frame["score"].tolist()[0] == 0.5
        assert not staging_path(path).exists()
    elif ext == "csv":
        assert [r["id"] for r in csv.DictReader(open(path))] == ["a", "b"]
    else:
        assert [json.loads(line)["id"] for line in open(path)] == ["a", "b"]
