"""classify: a file of claim sentences (CSV or JSONL with `id` and `text`) -> the same rows with verdicts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from pipeline.checker import ClaimChecker
from pipeline.ingest import Problem, read_records
from pipeline.outputs import RecordWriter
from pipeline.score import VERDICT_FIELDS, Counts


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while batch := list(islice(items, size)):
        yield batch


def classify_file(in_path: Path, out_path: Path, checker: ClaimChecker, batch_size: int = 512) -> Counts:
    """Verdict columns added to every row with text; bad rows are reported on stderr and counted."""
    counts = Counts()
    writer = None
    for batch in _batches(iter(read_records(in_path)), batch_size):
        good: list[tuple[int, dict]] = []
        for item in batch:
            counts.read += 1
            problem = item if isinstance(item, Problem) else _check_row(in_path, *item)
            if problem:
                counts.add(problem)
                print(f"scs-claims: {problem.status}: {problem.message()}", file=sys.stderr)
            else:
                good.append(item)
        if writer is None:
            passthrough = list(dict.fromkeys(k for _, row in good for k in row if k not in VERDICT_FIELDS))
            writer = RecordWriter(out_path, [*passthrough, *VERDICT_FIELDS])
        results = checker.classify_texts([row["text"] for _, row in good])
        for (_, row), (_, verdict) in zip(good, results):
            writer.write({**row, **verdict.fields()})
        counts.scored += len(good)
        counts.claims += len(good)
    if writer is None:
        writer = RecordWriter(out_path, ["id", "text", *VERDICT_FIELDS])
    writer.close()
    return counts


def _check_row(path: Path, lineno: int, row: dict) -> Problem | None:
    text = row.get("text")
    if not isinstance(text, str):
        return Problem(str(path), lineno, "missing text" if text is None else "text is not a string")
    if not text.strip():
        return Problem(str(path), lineno, "empty text", status="skipped")
    return None
