"""The benchmark's synthetic dumps and its acceptance checks (the measurements themselves run in `make bench`)."""

import json

from pipeline.bench import checks, render
from pipeline.relevance import is_relevant
from pipeline.synthetic import articles, write_dump


def test_synthetic_dump_has_the_exact_relevant_share_and_realistic_length(tmp_path):
    records = list(articles(300, 0.02, seed=7))
    assert len({r["id"] for r in records}) == 300
    assert sum(is_relevant(r["text"]) for r in records) == 6
    words = [len(r["text"].split()) for r in records]
    assert 550 <= sum(words) / len(words) <= 700
    assert len({r["text"] for r in records}) == 300  # varied, not one article repeated
    path = write_dump(tmp_path / "d.jsonl", 20, 1.0)
    assert all(is_relevant(json.loads(line)["text"]) for line in open(path))


def fake_run(kind, jobs, articles, rate, rss):
    return {"dump": f"{articles} {kind}", "kind": kind, "jobs": jobs, "articles": articles, "parsed": 1, "claims": 5,
            "seconds": articles / rate, "wall": 1.0, "articles_per_s": rate, "mb_per_s": 1.0, "claims_per_s": 1.0,
            "peak_rss_mb": rss, "x_naive": rate / 10}


def test_checks_and_table():
    runs = [fake_run("sparse", 1, 10_000, 400, 300), fake_run("sparse", 1, 100_000, 450, 320),
            fake_run("dense", 1, 500, 12, 400), fake_run("dense", 2, 500, 20, 420)]
    results = {c["check"]: (round(c["value"], 2), c["pass"]) for c in checks(runs, [10_000, 100_000], 500, 1.2)}
    assert results == {"2%-relevant dumps: articles/s >= 20x naive": (40.0, True),
                       "all-relevant: articles/s >= naive": (1.2, True),
                       "peak RSS 100k / 10k (jobs 1) <= 1.10": (1.07, True),
                       "all-relevant: jobs 2 >= 1.6x jobs 1": (1.67, True)}
    base = {"articles": 200, "seconds": 20.0, "articles_per_s": 10.0, "mb_per_s": 0.04, "peak_rss_mb": 500}
    table = render({"baseline": {"sparse": base, "dense": base}, "runs": runs,
                    "checks": checks(runs, [10_000, 100_000], 500, 1.2),
                    "machine": {"cpus": 2, "load_average": (1, 1, 1)}})
    assert "PASS  all-relevant: jobs 2 >= 1.6x jobs 1: 1.67 (2 processes here do 1.20x the work of 1)" in table
    assert "naive, 2% relevant" in table
