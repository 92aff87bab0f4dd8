"""The batch run end to end: accounting for bad records, --jobs 2 = --jobs 1 byte for byte, the Dask engine
= the local one, and a run killed with SIGKILL then resumed = an uninterrupted run."""

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import run_cli

from pipeline.checkpoint import checkpoint_path
from pipeline.config import ARTICLES_PATH, ROOT
from pipeline.score import DELAY_ENV, ScoreSettings, score_dump

OFF_TOPIC = ("The council approved the budget for the new library on Tuesday after a long debate about parking.",
             "Rain is expected across the region tomorrow, clearing by the weekend with highs of 18 degrees.")
BAD_LINES = [b"{not json", b'{"id": "u", "text": "caf\xff\xfe"}', b'{"id": "m", "body": "no text field"}',
             b'{"id": "e", "text": "   "}', bytes(b for b in range(256) if b != 10), b"[1, 2, 3]"]
OUTPUTS = ("claims.jsonl", "summary.csv", "claims.errors.jsonl", "claims.counts.json")


def corpus_articles(n: int) -> list[dict]:
    rows = [json.loads(line) for line in open(ARTICLES_PATH, encoding="utf-8")]
    return [{k: a[k] for k in ("id", "title", "outlet", "url", "published", "text")} for a in rows if a["claims"]][:n]


@pytest.fixture(scope="module")
def dump(tmp_path_factory):
    """12 annotated articles between off-topic ones, with bad records among them."""
    lines = []
    for i, article in enumerate(corpus_articles(12)):
        lines.append(json.dumps(article).encode())
        lines.append(json.dumps({"id": f"off-{i}", "text": OFF_TOPIC[i % 2]}).encode())
        if i % 2 == 0:
            lines.append(BAD_LINES[i // 2])
    path = tmp_path_factory.mktemp("dump") / "dump.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def score_args(dump, out_dir, small_model, *extra):
    return ["score", dump, "-o", out_dir / "claims.jsonl", "--summary", out_dir / "summary.csv", "--chunk-size", "3",
            "--model", small_model[0], "--manifest", small_model[1], "-q", *extra]


@pytest.fixture(scope="module")
def reference(dump, small_model, tmp_path_factory):
    """An uninterrupted --jobs 1 run: the output every other engine and the resumed run must equal."""
    out = tmp_path_factory.mktemp("reference")
    result = run_cli(*score_args(dump, out, small_model))
    assert result.returncode == 0, result.stderr
    return out


def assert_same_outputs(a, b):
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_every_record_is_accounted_for(reference):
    counts = json.loads((reference / "claims.counts.json").read_text())
    assert counts["read"] == 12 * 2 + 6 == counts["scored"] + counts["skipped"] + counts["errored"]
    assert (counts["scored"], counts["skipped"], counts["errored"]) == (12, 12 + 1, 5)
    assert counts["claims"] == sum(1 for _ in open(reference / "claims.jsonl")) > 12
    errors = [json.loads(line) for line in open(reference / "claims.errors.jsonl")]
    assert {e["reason"].split(" (")[0] for e in errors if e["status"] == "errored"} == {
        "malformed JSON", "invalid UTF-8", "missing text field 'text'", "expected a JSON object, got list"}
    assert all(e["line"] and e["source"].endswith("dump.jsonl") for e in errors)
    assert sum(e["reason"] == "not relevant" for e in errors) == 12
    summary_rows = sum(1 for _ in open(reference / "summary.csv")) - 1
    assert summary_rows == counts["scored"]


def test_jobs_2_writes_the_same_bytes_as_jobs_1(dump, small_model, reference, tmp_path):
    result = run_cli(*score_args(dump, tmp_path, small_model, "--jobs", "2"))
    assert result.returncode == 0, result.stderr
    assert_same_outputs(reference, tmp_path)


def test_dask_engine_equals_the_local_engine(dump, small_model, reference, tmp_path):
    from dask.distributed import LocalCluster

    settings = ScoreSettings(str(small_model[0]), str(small_model[1]))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        counts = score_dump(dump, tmp_path / "claims.jsonl", settings, tmp_path / "summary.csv", engine="dask",
                            scheduler=cluster.scheduler_address, chunk_size=3, progress=False)
    assert counts.read == 30
    assert_same_outputs(reference, tmp_path)


def test_sigkill_then_resume_equals_an_uninterrupted_run(dump, small_model, reference, tmp_path):
    args = [sys.executable, "-m", "pipeline", *map(str, score_args(dump, tmp_path, small_model))]
    proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, DELAY_ENV: "0.6"}, stderr=subprocess.PIPE)
    ckpt_file = checkpoint_path(tmp_path / "claims.jsonl")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if ckpt_file.exists() and json.loads(ckpt_file.read_text())["chunks"] >= 2:
            break
        time.sleep(0.05)
    time.sleep(0.3)  # the next chunk's rows are written; its checkpoint is not
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    ckpt = json.loads(ckpt_file.read_text())
    assert 0 < ckpt["records"] < 30
    assert any(os.path.getsize(path) > size for path, size in ckpt["offsets"].items())  # rows past the checkpoint
    result = run_cli(*score_args(dump, tmp_path, small_model, "--resume"))
    assert result.returncode == 0, result.stderr
    assert_same_outputs(reference, tmp_path)
    assert not ckpt_file.exists()


def test_resume_refuses_another_runs_checkpoint(dump, small_model, tmp_path):
    other = tmp_path / "other.jsonl"
    other.write_bytes(dump.read_bytes()[:500])
    checkpoint_path(tmp_path / "claims.jsonl").write_text(json.dumps(
        {"identity": {"input": str(other)}, "records": 3, "chunks": 1, "counts": {}, "offsets": {}}))
    result = run_cli(*score_args(dump, tmp_path, small_model, "--resume"))
    assert result.returncode == 2 and "checkpoint is for another run" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_folder_of_damaged_files_never_stops_the_run(small_model, tmp_path):
    folder = tmp_path / "dumps"
    folder.mkdir()
    good = json.dumps(corpus_articles(1)[0])
    huge = json.dumps({"id": "huge", "text": "word " * 4_000_000})  # 20 MB
    (folder / "a.jsonl").write_text(good + "\n" + huge + "\n")
    data = gzip.compress("".join(json.dumps(a) + "\n" for a in corpus_articles(12)).encode())
    (folder / "b.jsonl.gz").write_bytes(data[: len(data) // 2])  # the first few articles are whole
    (folder / "c.warc.gz").write_bytes(b"\x1f\x8b\x08\x00junk" * 10)
    (folder / "d.html").write_bytes(b"\x00\x01 binary junk \xff")
    result = run_cli("score", folder, "-o", tmp_path / "claims.jsonl", "--model", small_model[0],
                     "--manifest", small_model[1], "-q")
    assert result.returncode == 0, result.stderr
    counts = json.loads((tmp_path / "claims.counts.json").read_text())
    assert counts["read"] == counts["scored"] + counts["skipped"] + counts["errored"]
    reasons = counts["reasons"]
    assert reasons["too long"] == 1 and reasons["truncated or corrupt gzip"] == 1
    assert reasons["truncated or corrupt WARC"] == 1 and counts["scored"] >= 2
    errors = [json.loads(line) for line in open(tmp_path / "claims.errors.jsonl")]
    huge_row = next(e for e in errors if e["record_id"] == "huge")
    assert (huge_row["source"].endswith("a.jsonl"), huge_row["line"], huge_row["status"]) == (True, 2, "errored")


def test_strict_stops_at_the_first_bad_record(dump, small_model, tmp_path):
    result = run_cli(*score_args(dump, tmp_path, small_model, "--strict"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"scs-claims: error: {dump}:3: malformed JSON "
                                                  "(Expecting property name enclosed in double quotes at column 2)"]


def test_parsing_only_relevant_paragraphs_finds_the_claims_a_full_parse_finds(small_model):
    from pipeline.checker import ClaimChecker
    from pipeline.relevance import focus
    from pipeline.schema import Article

    checker = ClaimChecker.load(*small_model)
    articles = [Article(a["id"], a["text"]) for a in corpus_articles(60)]

    def claims(texts):
        docs = checker.nlp.pipe(texts, batch_size=16)
        return [[(c.start, c.end, c.context, v.label, v.stance) for c, v in checker.check_article(a, d)]
                for a, d in zip(articles, docs, strict=True)]

    assert claims([focus(a.text) for a in articles]) == claims([a.text for a in articles])
