"""Writers chosen by file extension (.jsonl, .csv, .parquet), safe for spreadsheets, resumable.

JSONL and CSV are appended a row at a time; `offset()` gives the byte length written so far, which a
checkpoint records and a resumed run truncates back to. Parquet is columnar and has its footer at
the end, so its rows are staged as JSONL beside it (`NAME.parquet.partial.jsonl`, resumable the same
way) and converted in bounded batches on `close`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = (".jsonl", ".csv", ".parquet")
PARQUET_BATCH = 10_000


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


def staging_path(path: Path) -> Path:
    """Where a writer appends rows: the file itself, or the JSONL staging file of a Parquet output."""
    path = Path(path)
    return path.with_name(path.name + ".partial.jsonl") if output_format(path) == ".parquet" else path


class RecordWriter:
    """Streams dict records to JSONL, CSV or (through JSONL staging) Parquet.

    With `offset`, an existing file is truncated to that many bytes and appended to (a resumed run);
    without, the file is started afresh.
    """

    def __init__(self, path: Path, columns: Sequence[str], offset: int | None = None):
        self.path, self.columns = Path(path), list(columns)
        self.format = output_format(self.path)
        self.target = staging_path(self.path)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        if offset is None:
            self.fh = open(self.target, "wb")
            if self.format == ".csv":
                self.fh.write(self._csv_line(self.columns))
        else:
            self.fh = open(self.target, "r+b")
            self.fh.truncate(offset)
            self.fh.seek(offset)

    def write(self, record: dict) -> None:
        if self.format == ".csv":
            self.fh.write(self._csv_line([safe_cell(record.get(c, "")) for c in self.columns]))
        else:
            line = json.dumps({c: record.get(c) for c in self.columns}, ensure_ascii=False) + "\n"
            self.fh.write(line.encode("utf-8"))

    def write_many(self, records: Iterable[dict]) -> None:
        for record in records:
            self.write(record)

    def offset(self) -> int:
        """Bytes written so far (after a flush), for a checkpoint."""
        self.fh.flush()
        return self.fh.tell()

    def sync(self) -> None:
        """Flush to the OS and to disk, so a checkpoint never points past the data."""
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()
        if self.format == ".parquet":
            jsonl_to_parquet(self.target, self.path, self.columns)
            self.target.unlink()

    @staticmethod
    def _csv_line(values: Sequence) -> bytes:
        buf = io.StringIO()
        csv.writer(buf).writerow(["" if v is None else v for v in values])
        return buf.getvalue().encode("utf-8")

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_table(records: Iterable[dict], path: Path, columns: Sequence[str]) -> None:
    with RecordWriter(path, columns) as writer:
        writer.write_many(records)


def _jsonl_rows(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def _column_types(path: Path, columns: Sequence[str]) -> dict:
    """One Arrow type per column over all rows (bool < int < float; anything else is a string)."""
    import pyarrow as pa

    rank = {bool: 0, int: 1, float: 2}
    seen: dict[str, int] = {}
    for row in _jsonl_rows(path):
        for c in columns:
            v = row.get(c)
            if v is not None:
                seen[c] = max(seen.get(c, -1), rank.get(type(v), 3))
    arrow = [pa.bool_(), pa.int64(), pa.float64(), pa.string()]
    return {c: arrow[seen.get(c, 3)] for c in columns}


def jsonl_to_parquet(src: Path, dest: Path, columns: Sequence[str]) -> None:
    """Convert staged JSONL rows to Parquet in batches of PARQUET_BATCH rows (memory stays bounded)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = _column_types(src, columns)
    schema = pa.schema([(c, types[c]) for c in columns])

    def cell(value, kind):
        return value if value is None or kind != pa.string() or isinstance(value, str) else json.dumps(value)

    with pq.ParquetWriter(dest, schema) as writer:
        batch: list[dict] = []
        for row in _jsonl_rows(src):
            batch.append({c: cell(row.get(c), types[c]) for c in columns})
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
