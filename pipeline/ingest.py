"""Ingest: input files -> articles, streamed one at a time, with bad records reported, not raised.

The readers (`pipeline.readers`, one per format) yield raw records; `to_article` maps their fields
(`--text-field`, `--id-field`) to an `Article`, or to a `Problem` naming the file, line (or offset)
and reason. A bad record never stops a batch: the caller logs and counts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.readers import READERS, InputError, Problem, RawRecord, format_of, html_fields, iter_records
from pipeline.schema import Article

__all__ = ["InputError", "Problem", "RawRecord", "check_input", "read_articles", "read_records", "to_article"]

INPUT_FORMATS = tuple(READERS)
MAX_CHARS = 1_000_000
HTML_BYTES_PER_CHAR = 10  # raw HTML above max_chars * this is refused before extraction
METADATA = ("title", "url", "outlet", "published")


def check_input(path: Path) -> str:
    """The input's format ('folder' for a directory); InputError when it cannot be read at all."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        return "folder"
    if not (fmt := format_of(path)):
        raise InputError(f"{path}: unsupported input format {path.suffix.lower() or '(none)'}; "
                         f"use a folder or one of {', '.join(INPUT_FORMATS)}")
    return fmt


def read_records(path: Path, text_field: str = "text") -> Iterator[tuple[int, dict] | Problem]:
    """(line number, record) pairs, or Problems for records that cannot be read."""
    check_input(path)
    for item in iter_records(path, text_field):
        yield item if isinstance(item, Problem) else (item.line, item.fields)


def read_articles(path: Path, text_field: str = "text", id_field: str = "id",
                  max_chars: int = MAX_CHARS) -> Iterator[Article | Problem]:
    """Articles of a dump, one at a time, with Problems in their place for bad records."""
    check_input(path)
    for item in iter_records(path, text_field):
        yield item if isinstance(item, Problem) else to_article(item, text_field, id_field, max_chars)


def to_article(raw: RawRecord, text_field: str = "text", id_field: str = "id",
               max_chars: int = MAX_CHARS) -> Article | Problem:
    """The record's article, or why there is none (errored: unreadable; skipped: nothing to score)."""
    text_field, id_field = ("text", "id") if raw.named else (text_field, id_field)
    fields = raw.fields
    rec_id = str(fields[id_field]) if fields.get(id_field) not in (None, "") else _default_id(raw)

    def problem(reason: str, status: str = "errored") -> Problem:
        return Problem(raw.source, raw.line, reason, status, rec_id, raw.offset)

    if "html" in fields and raw.named:
        if len(fields["html"]) > max_chars * HTML_BYTES_PER_CHAR:
            return problem(f"too long ({len(fields['html']):,} bytes of HTML; limit {max_chars:,} characters)")
        try:
            fields = {**fields, **html_fields(fields["html"], fields.get("url", ""))}
        except Exception as exc:  # the extractor's own errors on junk; the run goes on
            return problem(f"unreadable HTML ({type(exc).__name__}: {exc})")
    text = fields.get(text_field)
    if text is None:
        return problem(f"missing text field {text_field!r}")
    if not isinstance(text, str):
        return problem(f"text field {text_field!r} is not a string")
    if len(text) > max_chars:
        return problem(f"too long ({len(text):,} characters; limit {max_chars:,})")
    if not text.strip():
        return problem("empty text", status="skipped")
    return Article(id=rec_id, text=text, **{k: str(fields.get(k) or "") for k in METADATA})


def _default_id(raw: RawRecord) -> str:
    name = Path(raw.source).name
    if raw.line is not None:
        return f"{name}:{raw.line}"
    return f"{name}@{raw.offset}" if raw.offset is not None else name
