"""Ingest: input files -> records, streamed one at a time, with bad records reported, not raised.

`read_records` yields dicts (or `Problem`s) from JSONL or CSV; `read_articles` turns them into
`Article`s. A bad record never stops a batch: it comes out as a `Problem` naming the file, line
and reason, and the caller logs and counts it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.schema import Article

INPUT_FORMATS = (".jsonl", ".csv")


class InputError(ValueError):
    """The input as a whole cannot be read (missing file, unknown format, missing column)."""


@dataclass(frozen=True)
class Problem:
    """A record that was skipped (nothing to score) or errored (unreadable)."""

    source: str
    line: int
    reason: str
    status: str = "errored"  # or "skipped"
    record_id: str = ""

    def message(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


def check_input(path: Path) -> str:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a .jsonl or .csv file")
    suffix = path.suffix.lower()
    if suffix not in INPUT_FORMATS:
        raise InputError(f"{path}: unsupported input format {suffix or '(none)'}; use .jsonl or .csv")
    return suffix


def read_records(path: Path) -> Iterator[tuple[int, dict] | Problem]:
    """(line number, record) pairs, or Problems for lines that are not JSON objects."""
    suffix = check_input(path)
    if suffix == ".csv":
        yield from _read_csv(Path(path))
        return
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield Problem(str(path), lineno, f"invalid UTF-8 at byte {exc.start}")
                continue
            except json.JSONDecodeError as exc:
                yield Problem(str(path), lineno, f"malformed JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(record, dict):
                yield Problem(str(path), lineno, f"expected a JSON object, got {type(record).__name__}")
                continue
            yield lineno, record


def _read_csv(path: Path) -> Iterator[tuple[int, dict] | Problem]:
    with open(path, encoding="utf-8-sig", newline="", errors="strict") as fh:
        try:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if "text" not in header:
                raise InputError(f"{path}:1: no 'text' column (columns: {', '.join(header) or 'none'})")
            for row in reader:
                yield reader.line_num, {k: v for k, v in row.items() if k is not None}
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: invalid UTF-8 ({exc.reason})") from None
        except csv.Error as exc:
            raise InputError(f"{path}: malformed CSV ({exc})") from None


def to_article(path: Path, lineno: int, record: dict, text_field: str = "text",
               id_field: str = "id") -> Article | Problem:
    text, rec_id = record.get(text_field), record.get(id_field)
    rec_id = str(rec_id) if rec_id not in (None, "") else f"{Path(path).name}:{lineno}"
    if text is None:
        return Problem(str(path), lineno, f"missing text field {text_field!r}", record_id=rec_id)
    if not isinstance(text, str):
        return Problem(str(path), lineno, f"text field {text_field!r} is not a string", record_id=rec_id)
    if not text.strip():
        return Problem(str(path), lineno, "empty text", status="skipped", record_id=rec_id)
    meta = {k: str(record.get(k) or "") for k in ("title", "url", "outlet", "published")}
    return Article(id=rec_id, text=text, **meta)


def read_articles(path: Path, text_field: str = "text", id_field: str = "id") -> Iterator[Article | Problem]:
    """Articles of a dump, one at a time, with Problems in their place for bad records."""
    for item in read_records(path):
        yield item if isinstance(item, Problem) else to_article(path, *item, text_field, id_field)
