import csv
import json

import pytest
from conftest import FIXTURES, run_cli

from pipeline.cli import build_parser

CLASSIFY_FIELDS = {"label", "subtype", "stance", "confidence", "evidence", "rules", "needs_review"}


def test_every_command_has_help_with_an_example():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"train", "evaluate", "classify", "score"} <= set(commands)
    for name, sub in commands.items():
        text = sub.format_help()
        assert "example" in text and sub.description, name


def test_module_entry_point_prints_help():
    result = run_cli("--help")
    assert result.returncode == 0 and "classify" in result.stdout and "score" in result.stdout


def test_classify_csv_passes_columns_through(small_model, tmp_path):
    out = tmp_path / "out.csv"
    result = run_cli("classify", FIXTURES / "claims.csv", "-o", out, "--model", small_model[0],
                     "--manifest", small_model[1])
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert [r["id"] for r in rows] == ["c1", "c2"]
    assert CLASSIFY_FIELDS | {"outlet", "text"} <= set(rows[0])
    assert rows[0]["label"] in {"accurate", "conflation", "exaggeration"}
    assert rows[1]["text"].startswith("'=")  # formula neutralised
    assert "skipped" in result.stderr and "claims.csv:4: empty text" in result.stderr


def test_classify_jsonl(small_model, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "x", "text": "Zhima Credit is opt-in.", "extra": 1}) + "\n")
    out = tmp_path / "out.jsonl"
    result = run_cli("classify", src, "-o", out, "--model", small_model[0], "--manifest", small_model[1])
    assert result.returncode == 0, result.stderr
    row = json.loads(out.read_text())
    assert row["extra"] == 1 and CLASSIFY_FIELDS <= set(row)


def test_score_writes_claims_with_offsets_and_summary(small_model, tmp_path):
    out, summary = tmp_path / "claims.jsonl", tmp_path / "summary.csv"
    result = run_cli("score", FIXTURES / "articles.jsonl", "-o", out, "--summary", summary,
                     "--model", small_model[0], "--manifest", small_model[1])
    assert result.returncode == 0, result.stderr
    articles = {json.loads(line)["id"]: json.loads(line) for line in open(FIXTURES / "articles.jsonl")}
    claims = [json.loads(line) for line in open(out)]
    assert claims
    for claim in claims:
        assert CLASSIFY_FIELDS | {"article_id", "claim_id", "text", "start", "end", "outlet", "title"} <= set(claim)
        assert articles[claim["article_id"]]["text"][claim["start"]:claim["end"]] == claim["text"]
    assert {c["article_id"] for c in claims} == {"careful-1", "alarmist-1"}
    rows = {r["article_id"]: r for r in csv.DictReader(open(summary))}
    assert set(rows) == {"careful-1", "alarmist-1"}  # off-topic-1 never reaches spaCy: skipped, not relevant
    skipped = [json.loads(line) for line in open(tmp_path / "claims.errors.jsonl")]
    assert [(e["record_id"], e["status"], e["reason"]) for e in skipped] == [("off-topic-1", "skipped", "not relevant")]
    assert int(rows["alarmist-1"]["claims"]) == sum(c["article_id"] == "alarmist-1" for c in claims)


@pytest.mark.parametrize("args, message", [
    (["classify", "missing.csv", "-o", "x.csv"], "missing.csv: no such file"),
    (["classify", str(FIXTURES / "no_text.csv"), "-o", "x.csv"], "no_text.csv:1: no 'text' column"),
    (["score", "missing.jsonl", "-o", "x.jsonl"], "missing.jsonl: no such file"),
    (["classify", str(FIXTURES / "claims.csv"), "-o", "x.xlsx"], "unsupported output format .xlsx"),
])
def test_bad_input_gets_one_line_error(args, message, tmp_path):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_tampered_model_is_refused_by_the_cli(small_model, tmp_path):
    bad = tmp_path / "claims.joblib"
    bad.write_bytes(small_model[0].read_bytes()[:-1] + b"x")
    result = run_cli("classify", FIXTURES / "claims.csv", "-o", tmp_path / "o.csv", "--model", bad,
                     "--manifest", small_model[1])
    assert result.returncode == 2 and "refusing to load" in result.stderr and "Traceback" not in result.stderr


def test_bad_records_in_a_dump_are_accounted_for(small_model, tmp_path):
    dump = tmp_path / "dump.jsonl"
    good = (FIXTURES / "articles.jsonl").read_text().splitlines()[0]
    dump.write_bytes(b"\n".join([good.encode(), b"{not json", b'{"id": "e", "text": ""}', b'{"id": "m"}',
                                 b'{"id": "u", "text": "\xff\xfe"}', b"[1, 2]"]) + b"\n")
    out = tmp_path / "claims.jsonl"
    result = run_cli("score", dump, "-o", out, "--model", small_model[0], "--manifest", small_model[1])
    assert result.returncode == 0, result.stderr
    errors = [json.loads(line) for line in open(tmp_path / "claims.errors.jsonl")]
    assert [(e["line"], e["status"]) for e in errors] == [(2, "errored"), (3, "skipped"), (4, "errored"),
                                                          (5, "errored"), (6, "errored")]
    counts = json.loads((tmp_path / "claims.counts.json").read_text())
    assert counts["read"] == 6 == counts["scored"] + counts["skipped"] + counts["errored"]
    assert counts["scored"] == 1
