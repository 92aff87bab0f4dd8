"""Writers chosen by file extension (.jsonl, .csv, .parquet), safe for spreadsheets."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = (".jsonl", ".csv", ".parquet")


class OutputError(ValueError):
    """The output path cannot be written in any supported format."""


def safe_cell(value):
    """A text cell that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def output_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(f"{path}: unsupported output format {suffix or '(none)'}; use one of {', '.join(FORMATS)}")
    return suffix


class RecordWriter:
    """Streams dict records to JSONL or CSV; Parquet is written on close (it is columnar)."""

    def __init__(self, path: Path, columns: Sequence[str]):
        self.path, self.columns = Path(path), list(columns)
        self.format = output_format(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.buffer: list[dict] = []
        self.fh = None if self.format == ".parquet" else open(self.path, "w", encoding="utf-8", newline="")
        if self.format == ".csv":
            self.csv = csv.DictWriter(self.fh, fieldnames=self.columns, extrasaction="ignore")
            self.csv.writeheader()

    def write(self, record: dict) -> None:
        if self.format == ".jsonl":
            self.fh.write(json.dumps({c: record.get(c) for c in self.columns}, ensure_ascii=False) + "\n")
        elif self.format == ".csv":
            self.csv.writerow({c: safe_cell(record.get(c, "")) for c in self.columns})
        else:
            self.buffer.append({c: record.get(c) for c in self.columns})

    def close(self) -> None:
        if self.format == ".parquet":
            import pandas as pd

            pd.DataFrame(self.buffer, columns=self.columns).to_parquet(self.path, index=False)
        else:
            self.fh.close()

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_table(records: Iterable[dict], path: Path, columns: Sequence[str]) -> None:
    with RecordWriter(path, columns) as writer:
        for record in records:
            writer.write(record)
