"""Streaming readers, one per dump format, chosen by file extension.

Each yields `RawRecord`s (the record's fields and where it came from) or `Problem`s, one at a time, so
a dump of any size fits in memory and a bad record never stops the run. HTML (single files or WARC
responses) is kept as bytes here; its main text is extracted later by `html_fields`, in the worker.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

HTML_TYPES = ("text/html", "application/xhtml+xml")
GZIP_WBITS = zlib.MAX_WBITS | 16
MAX_FILE_BYTES = 1 << 30  # a single .txt/.html file above this is not read into memory at all


class InputError(ValueError):
    """The input as a whole cannot be read (missing file, unknown format, missing column)."""


@dataclass(frozen=True)
class Problem:
    """A record that was skipped (nothing to score) or errored (unreadable), and where it is."""

    source: str
    line: int | None  # line (JSONL, CSV), row (Parquet), or None (a whole file, a WARC record)
    reason: str
    status: str = "errored"  # or "skipped"
    record_id: str = ""
    offset: int | None = None  # byte offset, where a line says nothing (WARC records, bad bytes in a file)

    def message(self) -> str:
        where = f":{self.line}" if self.line is not None else (f"@{self.offset}" if self.offset is not None else "")
        return f"{self.source}{where}: {self.reason}"


@dataclass(frozen=True)
class RawRecord:
    """One input record: its fields, and its source file with line (or row) and byte offset."""

    source: str
    line: int | None
    fields: dict = field(hash=False)
    offset: int | None = None
    named: bool = False  # fields already carry the standard names (id, text, html, ...)


Item = RawRecord | Problem


def read_jsonl(path: Path) -> Iterator[Item]:
    """A JSON object a line, optionally gzipped; a truncated gzip yields its whole lines, then a Problem."""
    gzipped = path.name.lower().endswith(".gz")
    lineno = 0
    try:
        for lineno, raw in enumerate(_gzip_lines(path) if gzipped else _plain_lines(path), 1):
            if raw.strip():
                yield _json_record(path, lineno, raw)
    except (OSError, EOFError, zlib.error) as exc:
        yield Problem(str(path), lineno + 1, f"truncated or corrupt gzip ({exc})")


def _plain_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        yield from fh


def _gzip_lines(path: Path, block: int = 1 << 20) -> Iterator[bytes]:
    """Lines of a (multi-member) gzip file, streamed; every whole line before a cut-off comes out."""
    inflate, pending, fed = zlib.decompressobj(GZIP_WBITS), b"", False
    with open(path, "rb") as fh:
        while data := fh.read(block):
            while data:
                pending += inflate.decompress(data)
                data, fed = b"", True
                if inflate.eof:  # a member ended; another may follow
                    data, inflate, fed = inflate.unused_data, zlib.decompressobj(GZIP_WBITS), False
            *lines, pending = pending.split(b"\n")
            yield from (line + b"\n" for line in lines)
    if fed:  # the file ended inside a member: its last, partial line is dropped
        raise EOFError("compressed file ended before the end-of-stream marker was reached")
    if pending:
        yield pending


def _json_record(path: Path, lineno: int, raw: bytes) -> Item:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Problem(str(path), lineno, f"invalid UTF-8 (at byte {exc.start})")
    except json.JSONDecodeError as exc:
        return Problem(str(path), lineno, f"malformed JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return Problem(str(path), lineno, "malformed JSON (nested too deeply)")
    if not isinstance(record, dict):
        return Problem(str(path), lineno, f"expected a JSON object, got {type(record).__name__}")
    return RawRecord(str(path), lineno, record)


def read_csv(path: Path, text_field: str = "text") -> Iterator[Item]:
    """Rows with a header; a row with invalid UTF-8 or broken quoting is a Problem, the rest go on."""
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if text_field not in header:
            raise InputError(f"{path}:1: no {text_field!r} column (columns: {', '.join(header) or 'none'})")
        while True:
            last = reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Problem(str(path), reader.line_num, f"malformed CSV ({exc})")
                if reader.line_num == last:
                    return
                continue
            yield _csv_record(path, reader.line_num, row)


def _csv_record(path: Path, lineno: int, row: dict) -> Item:
    values = {k: v for k, v in row.items() if k is not None}
    try:
        "".join(v for v in values.values() if isinstance(v, str)).encode("utf-8")
    except UnicodeEncodeError:
        return Problem(str(path), lineno, "invalid UTF-8")
    return RawRecord(str(path), lineno, values)


def read_parquet(path: Path, text_field: str = "text", batch_size: int = 256) -> Iterator[Item]:
    """Rows in batches (pyarrow `iter_batches`); `line` is the 1-based row number."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        yield Problem(str(path), None, f"unreadable Parquet file ({exc})")
        return
    if text_field not in table.schema_arrow.names:
        raise InputError(f"{path}: no {text_field!r} column (columns: {', '.join(table.schema_arrow.names)})")
    row = 0
    try:
        for batch in table.iter_batches(batch_size=batch_size):
            for record in batch.to_pylist():
                row += 1
                yield RawRecord(str(path), row, record)
    except Exception as exc:
        yield Problem(str(path), row + 1, f"corrupt Parquet data ({exc})")


def read_warc(path: Path) -> Iterator[Item]:
    """HTML responses of a WARC file (.warc or .warc.gz); other responses are skipped, with their type.

    warcio stops quietly at a cut-off file, so a short last record, or bytes left after the last whole
    record, end the file with a Problem.
    """
    from warcio.archiveiterator import ArchiveIterator

    end = 0
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                item = _warc_item(path, record) if record.rec_type in ("response", "resource") else None
                offset = records.get_record_offset()  # reads the record to its end
                if record.raw_stream.limit:
                    yield Problem(str(path), None, f"truncated WARC record ({record.raw_stream.limit:,} bytes "
                                  "missing)", offset=offset)
                    return
                if item is not None:
                    yield replace(item, offset=offset)
                end = offset + records.get_record_length()
            fh.seek(end)
            if fh.read(1 << 16).strip():
                yield Problem(str(path), None, "truncated or corrupt WARC (unreadable bytes after the last "
                              "record)", offset=end)
    except Exception as exc:  # warcio raises its own, gzip's and zlib's errors for a damaged file
        yield Problem(str(path), None, f"truncated or corrupt WARC ({type(exc).__name__}: {exc})", offset=end)


def _warc_item(path: Path, record) -> Item:
    headers = record.http_headers or record.rec_headers
    ctype = (headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    record_id = (record.rec_headers.get_header("WARC-Record-ID") or "").strip("<>")
    if ctype not in HTML_TYPES:
        return Problem(str(path), None, f"not HTML ({ctype or 'no content type'})", status="skipped",
                       record_id=record_id)
    fields = {"id": record_id, "url": record.rec_headers.get_header("WARC-Target-URI") or "",
              "published": record.rec_headers.get_header("WARC-Date") or "",
              "html": record.content_stream().read()}
    return RawRecord(str(path), None, fields, named=True)


def read_text_file(path: Path, root: Path | None = None) -> Iterator[Item]:
    """A whole .txt file is one article; its id is its path below the folder read."""
    name = str(path.relative_to(root)) if root else path.name
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        yield Problem(str(path), None, f"too long ({len(data):,} bytes)", record_id=name)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Problem(str(path), None, f"invalid UTF-8 (at byte {exc.start})", record_id=name, offset=exc.start)
        return
    yield RawRecord(str(path), None, {"id": name, "text": text}, named=True)


def read_html_file(path: Path, root: Path | None = None) -> Iterator[Item]:
    """A whole .html file is one article; its main text is extracted later (`html_fields`)."""
    name = str(path.relative_to(root)) if root else path.name
    if path.stat().st_size > MAX_FILE_BYTES:
        yield Problem(str(path), None, f"too long ({path.stat().st_size:,} bytes)", record_id=name)
        return
    yield RawRecord(str(path), None, {"id": name, "html": path.read_bytes()}, named=True)


def html_fields(html: bytes, url: str = "") -> dict:
    """Main text, title and date of a web page, by trafilatura (boilerplate, menus and ads removed)."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # an empty page is counted, not logged
    doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True)
    if doc is None:
        return {"text": ""}
    return {"text": doc.text or "", "title": doc.title or "", "published": doc.date or "",
            "outlet": doc.sitename or "", "url": url or doc.url or ""}


READERS = {".jsonl.gz": read_jsonl, ".jsonl": read_jsonl, ".csv": read_csv, ".parquet": read_parquet,
           ".warc.gz": read_warc, ".warc": read_warc, ".txt": read_text_file, ".html": read_html_file,
           ".htm": read_html_file}
NEEDS_TEXT_FIELD = (read_csv, read_parquet)
FOLDER_ONLY = (read_text_file, read_html_file)


def format_of(path: Path) -> str | None:
    """The format's extension (compound ones such as .jsonl.gz first), or None when unsupported."""
    name = Path(path).name.lower()
    return next((ext for ext in READERS if name.endswith(ext)), None)


def iter_records(path: Path, text_field: str = "text") -> Iterator[Item]:
    """Every record of a file, or of each supported file below a folder (in sorted path order)."""
    path = Path(path)
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file() and format_of(p)):
            yield from _read_file(file, text_field, root=path)
    else:
        yield from _read_file(path, text_field)


def _read_file(path: Path, text_field: str, root: Path | None = None) -> Iterator[Item]:
    reader = READERS[format_of(path)]
    if reader in NEEDS_TEXT_FIELD:
        yield from reader(path, text_field)
    elif reader in FOLDER_ONLY:
        yield from reader(path, root)
    else:
        yield from reader(path)
