"""Every reader on tiny fixtures built in tmp_path: records come out one at a time, bad ones as Problems."""

import csv
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.ingest import InputError, Problem, check_input, read_articles, to_article
from pipeline.readers import RawRecord, format_of, iter_records

STORY = "Sesame Credit is a private, opt-in score run by an Alibaba affiliate inside Alipay."
PAGE = (f"<html><head><title>What Sesame Credit is</title></head><body><nav>Home | World | Sport</nav>"
        f"<article><h1>What Sesame Credit is</h1><p>{STORY} It ranges from 350 to 950 and is not the "
        "government's social credit system, whose court blacklists are a separate initiative.</p></article>"
        "<footer>Copyright 2019 Example News</footer></body></html>")


def articles(path, **kw):
    return list(read_articles(path, **kw))


def write_warc(path, records, gz=True):
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for uri, ctype, body, kind in records:
            http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.0")
            rec = writer.create_warc_record(uri, kind, payload=io.BytesIO(body),
                                            http_headers=http if kind == "response" else None)
            writer.write_record(rec)


@pytest.mark.parametrize("name, fmt", [("a.jsonl", ".jsonl"), ("a.JSONL.gz", ".jsonl.gz"), ("a.csv", ".csv"),
                                       ("a.parquet", ".parquet"), ("crawl.warc.gz", ".warc.gz"), ("a.warc", ".warc"),
                                       ("a.txt", ".txt"), ("a.htm", ".htm"), ("a.xlsx", None), ("a.gz", None)])
def test_format_by_extension(name, fmt):
    assert format_of(name) == fmt


def test_jsonl_and_gzip_with_field_mapping(tmp_path):
    rows = [{"url": "u1", "body": STORY, "title": "t"}, {"url": "u2", "body": "  "}]
    lines = "\n".join(json.dumps(r) for r in rows) + "\n"
    (tmp_path / "d.jsonl").write_text(lines)
    with gzip.open(tmp_path / "d.jsonl.gz", "wt") as fh:
        fh.write(lines)
    for name in ("d.jsonl", "d.jsonl.gz"):
        got = articles(tmp_path / name, text_field="body", id_field="url")
        assert got[0].id == "u1" and got[0].text == STORY and got[0].title == "t"
        assert isinstance(got[1], Problem)
        assert (got[1].status, got[1].reason, got[1].line) == ("skipped", "empty text", 2)


def test_truncated_gzip_ends_with_a_problem(tmp_path):
    lines = "".join(json.dumps({"id": str(i), "text": STORY * 20}) + "\n" for i in range(200))
    data = gzip.compress(lines.encode())
    (tmp_path / "t.jsonl.gz").write_bytes(data[: len(data) // 2])
    got = articles(tmp_path / "t.jsonl.gz")
    assert all(a.text == STORY * 20 for a in got if not isinstance(a, Problem))
    assert isinstance(got[-1], Problem) and got[-1].reason.startswith("truncated or corrupt gzip")
    assert 0 < len(got) < 200


def test_csv_rows_with_bad_bytes_are_problems_and_long_fields_are_read(tmp_path):
    path = tmp_path / "d.csv"
    long_text = STORY * 5000  # 400 kB: above csv's default field limit
    buf = io.StringIO()
    csv.writer(buf).writerows([["id", "text"], ["a", STORY], ["b", "PLACEHOLDER"], ["c", long_text]])
    path.write_bytes(buf.getvalue().encode().replace(b"PLACEHOLDER", b"bad \xff byte"))
    got = articles(path)
    assert got[0].id == "a" and got[2].text == long_text
    assert isinstance(got[1], Problem) and got[1].reason == "invalid UTF-8" and got[1].line == 3


def test_csv_without_the_text_column_is_an_input_error(tmp_path):
    (tmp_path / "d.csv").write_text("id,body\n1,x\n")
    with pytest.raises(InputError, match="no 'text' column"):
        articles(tmp_path / "d.csv")
    assert articles(tmp_path / "d.csv", text_field="body")[0].text == "x"


def test_parquet_in_batches_with_row_numbers(tmp_path):
    table = pa.table({"doc_id": [f"p{i}" for i in range(600)], "content": [STORY] * 599 + [None]})
    pq.write_table(table, tmp_path / "d.parquet", row_group_size=100)
    got = articles(tmp_path / "d.parquet", text_field="content", id_field="doc_id")
    assert len(got) == 600 and got[0].id == "p0" and got[598].text == STORY
    assert isinstance(got[599], Problem) and got[599].line == 600 and "missing text" in got[599].reason
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    assert "unreadable Parquet" in articles(tmp_path / "bad.parquet")[0].reason


def test_folder_of_text_and_html_files(tmp_path):
    (tmp_path / "2019").mkdir()
    (tmp_path / "2019" / "a.txt").write_text(STORY)
    (tmp_path / "2019" / "b.html").write_text(PAGE)
    (tmp_path / "c.txt").write_bytes(b"caf\xe9")
    (tmp_path / "notes.md").write_text("ignored: not a dump format")
    got = articles(tmp_path)
    assert [getattr(a, "id", None) or a.record_id for a in got] == ["2019/a.txt", "2019/b.html", "c.txt"]
    assert got[0].text == STORY
    assert STORY in got[1].text and "Home | World" not in got[1].text and "Copyright" not in got[1].text
    assert got[1].title == "What Sesame Credit is"
    assert isinstance(got[2], Problem) and got[2].reason.startswith("invalid UTF-8")


def test_warc_html_responses_are_articles_other_records_are_accounted(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, [("https://news.example/a", "text/html; charset=utf-8", PAGE.encode(), "response"),
                      ("https://news.example/logo.png", "image/png", b"\x89PNG\r\n", "response"),
                      ("https://news.example/b", "text/html", b"<html><body></body></html>", "response")])
    got = articles(path)
    assert len(got) == 3
    assert STORY in got[0].text and got[0].url == "https://news.example/a" and got[0].id.startswith("urn:uuid:")
    assert (got[1].status, got[1].reason, got[1].line) == ("skipped", "not HTML (image/png)", None)
    assert got[1].offset > 0 and got[2].status == "skipped" and got[2].reason == "empty text"


def test_truncated_and_junk_warc_end_with_a_problem(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, [(f"https://news.example/{i}", "text/html", PAGE.encode(), "response") for i in range(5)])
    data = path.read_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(data[: int(len(data) * 0.7)])
    got = articles(tmp_path / "cut.warc.gz")
    assert 1 <= sum(not isinstance(a, Problem) for a in got) < 5
    assert isinstance(got[-1], Problem) and got[-1].reason.startswith("truncated") and got[-1].offset > 0
    (tmp_path / "junk.warc").write_bytes(bytes(range(256)) * 10)
    junk = articles(tmp_path / "junk.warc")
    assert len(junk) == 1 and junk[0].status == "errored" and junk[0].offset == 0


@pytest.mark.parametrize("fields, reason, status", [
    ({"text": STORY * 100}, "too long (8,300 characters; limit 1,000)", "errored"),
    ({"text": ""}, "empty text", "skipped"),
    ({"body": STORY}, "missing text field 'text'", "errored"),
    ({"text": ["a", "list"]}, "text field 'text' is not a string", "errored"),
    ({"html": b"<html>" + b"x" * 20_000 + b"</html>"}, "too long (20,013 bytes of HTML; limit 1,000 characters)",
     "errored"),
])
def test_to_article_says_why_not(fields, reason, status):
    raw = RawRecord("d.jsonl", 7, fields, named="html" in fields)
    got = to_article(raw, max_chars=1000)
    assert isinstance(got, Problem) and (got.reason, got.status, got.line, got.record_id) == (
        reason, status, 7, "d.jsonl:7")


def test_unsupported_input_is_an_input_error(tmp_path):
    (tmp_path / "d.xlsx").write_text("x")
    with pytest.raises(InputError, match="unsupported input format .xlsx"):
        check_input(tmp_path / "d.xlsx")
    assert check_input(tmp_path) == "folder"
    assert list(iter_records(tmp_path)) == []
