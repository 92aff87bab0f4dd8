"""`make bench`: throughput and memory of `score` on synthetic dumps, beside a naive baseline.

Dumps (pipeline.synthetic): 1k, 10k and 100k articles of ~600 words with 2% about the SCS, and an
all-relevant dump of 500. Each is scored with --jobs 1 and --jobs 2, each run in its own subprocess so
its peak RSS (the largest of the process and its workers, from getrusage) is its own. The naive
baseline runs the full spaCy pipeline (every component) on every article of a 200-article sample of
each kind of dump. Rates exclude loading the models (a fixed cost paid once per run); wall time,
which includes it, is reported beside them. The all-relevant runs are timed twice, --jobs 1 and 2
interleaved (the faster kept), and the machine's own parallel capacity is measured, since on shared
virtual CPUs two processes may get much less than twice the work of one done. Results go to out/bench.json.

    python -m pipeline.bench [--sizes 1000 10000 100000] [--all-relevant 500] [--jobs 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.config import OUT_DIR

SHARE = 0.02
SIZES = (1_000, 10_000, 100_000)
ALL_RELEVANT = 500
SAMPLE = 200
REPEAT = 2  # all-relevant runs are timed twice, interleaved, and the faster kept: a shared host is noisy


def peak_rss_mb() -> float:
    """Peak resident memory of this process or any waited-for child (pool workers), in MB."""
    own, children = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return round(max(own, children) / 1024, 1)  # Linux reports kB


def measure(dump: Path, jobs: int) -> dict:
    """In a child process: score the dump, return counts, times and peak RSS."""
    from pipeline.score import ScoreSettings, score_dump

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        counts = score_dump(dump, Path(out) / "claims.jsonl", ScoreSettings(), jobs=jobs, progress=False)
    return {"articles": counts.read, "parsed": counts.scored, "claims": counts.claims, "seconds": counts.seconds,
            "wall": time.perf_counter() - start, "bytes": dump.stat().st_size, "peak_rss_mb": peak_rss_mb()}


def naive(dump: Path, sample: int) -> dict:
    """In a child process: the full spaCy pipeline, every component, on every article of a sample."""
    import spacy

    from pipeline.config import SPACY_MODELS

    nlp = next(spacy.load(name) for name in SPACY_MODELS if spacy.util.is_package(name))
    with open(dump, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line, _ in zip(fh, range(sample), strict=False)]
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=32):
        pass
    return {"articles": len(texts), "seconds": time.perf_counter() - start, "components": nlp.pipe_names,
            "bytes": sum(len(t.encode("utf-8")) for t in texts), "peak_rss_mb": peak_rss_mb()}


def child(*args: str) -> dict:
    """Run `python -m pipeline.bench ARGS` and read the JSON it prints."""
    result = subprocess.run([sys.executable, "-m", "pipeline.bench", *map(str, args)], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


BURN = "x = 0\nfor i in range(20_000_000):\n    x += i\n"


def parallel_capacity() -> float:
    """How much more pure-Python work two processes get done than one, here and now (2.0 on two idle
    cores). The ceiling for --jobs 2 / --jobs 1: shared or hyper-threaded virtual CPUs give far less."""
    def wall(n: int) -> float:
        start = time.perf_counter()
        for proc in [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(n)]:
            proc.wait()
        return time.perf_counter() - start

    return 2 * wall(1) / wall(2)


def rates(run: dict) -> dict:
    secs = max(run["seconds"], 1e-9)
    return {"articles_per_s": run["articles"] / secs, "mb_per_s": run["bytes"] / 1e6 / secs,
            "claims_per_s": run.get("claims", 0) / secs}


def run_all(sizes: list[int], all_relevant: int, jobs: list[int], sample: int, folder: Path,
            repeat: int = REPEAT) -> dict:
    from pipeline.synthetic import write_dump

    dumps = {f"{n:,} ({SHARE:.0%} relevant)": (write_dump(folder / f"dump_{n}_{SHARE}.jsonl", n, SHARE), "sparse")
             for n in sizes}
    dumps[f"{all_relevant:,} (all relevant)"] = (write_dump(folder / f"dump_{all_relevant}_1.jsonl", all_relevant,
                                                            1.0), "dense")
    samples = {kind: path for path, kind in dumps.values()}  # a sample of each kind of dump
    baseline = {kind: child("naive", path, sample) for kind, path in samples.items()}
    runs, capacity = [], None
    for name, (path, kind) in dumps.items():
        if kind == "dense":
            capacity = parallel_capacity()  # measured beside the runs it qualifies
        tries: dict[int, list[dict]] = {n: [] for n in jobs}
        for _ in range(repeat if kind == "dense" else 1):  # interleaved: host noise hits every --jobs alike
            for n in jobs:
                tries[n].append(child("measure", path, n))
        for n in jobs:
            run = {"dump": name, "kind": kind, "jobs": n, **min(tries[n], key=lambda t: t["seconds"])}
            run.update(rates(run))
            run["x_naive"] = run["articles_per_s"] / rates(baseline[kind])["articles_per_s"]
            runs.append(run)
            print(f"  {name:<24} jobs {n}: {run['articles_per_s']:9.1f} articles/s ({run['x_naive']:.1f}x naive), "
                  f"peak RSS {run['peak_rss_mb']:.0f} MB", file=sys.stderr)
    return {"baseline": {k: {**v, **rates(v)} for k, v in baseline.items()}, "runs": runs,
            "checks": checks(runs, sizes, all_relevant, capacity or parallel_capacity()),
            "machine": {"cpus": os.cpu_count(), "two_process_capacity": capacity, "load_average": os.getloadavg()}}


def checks(runs: list[dict], sizes: list[int], all_relevant: int, capacity: float = 2.0) -> list[dict]:
    """The issue's acceptance checks, each with the measured value and pass/fail."""
    def run(kind: str, jobs: int, articles: int | None = None) -> dict | None:
        return next((r for r in runs if r["kind"] == kind and r["jobs"] == jobs
                     and (articles is None or r["articles"] == articles)), None)

    out = []
    sparse = [r for r in runs if r["kind"] == "sparse"]
    if sparse:
        worst = min(r["x_naive"] for r in sparse)
        out.append({"check": "2%-relevant dumps: articles/s >= 20x naive", "value": worst, "pass": worst >= 20})
    if dense := run("dense", 1):
        out.append({"check": "all-relevant: articles/s >= naive", "value": dense["x_naive"],
                    "pass": dense["x_naive"] >= 1})
    for jobs in sorted({r["jobs"] for r in sparse}):
        small, big = run("sparse", jobs, 10_000), run("sparse", jobs, 100_000)
        if small and big:
            ratio = big["peak_rss_mb"] / small["peak_rss_mb"]
            out.append({"check": f"peak RSS 100k / 10k (jobs {jobs}) <= 1.10", "value": ratio, "pass": ratio <= 1.10})
    if (one := run("dense", 1)) and (two := run("dense", 2)):
        speedup = two["articles_per_s"] / one["articles_per_s"]
        out.append({"check": "all-relevant: jobs 2 >= 1.6x jobs 1", "value": speedup, "pass": speedup >= 1.6,
                    "note": f"2 processes here do {capacity:.2f}x the work of 1"})
    return out


def render(report: dict) -> str:
    head = (f"{'dump':<24} {'jobs':>4} {'articles':>9} {'parsed':>7} {'claims':>7} {'sec':>7} {'wall':>7} "
            f"{'art/s':>9} {'MB/s':>7} {'claims/s':>9} {'RSS MB':>7} {'x naive':>8}")
    lines = [head, "-" * len(head)]
    for kind, b in report["baseline"].items():
        lines.append(f"{'naive, ' + ('2% relevant' if kind == 'sparse' else 'all relevant'):<24} {'-':>4} "
                     f"{b['articles']:>9,} {b['articles']:>7,} {'-':>7} {b['seconds']:>7.1f} {'-':>7} "
                     f"{b['articles_per_s']:>9.1f} {b['mb_per_s']:>7.3f} {'-':>9} {b['peak_rss_mb']:>7.0f} {1:>8.1f}")
    for r in report["runs"]:
        lines.append(f"{r['dump']:<24} {r['jobs']:>4} {r['articles']:>9,} {r['parsed']:>7,} {r['claims']:>7,} "
                     f"{r['seconds']:>7.1f} {r['wall']:>7.1f} {r['articles_per_s']:>9.1f} {r['mb_per_s']:>7.2f} "
                     f"{r['claims_per_s']:>9.1f} {r['peak_rss_mb']:>7.0f} {r['x_naive']:>8.1f}")
    lines.append("")
    lines += [f"{'PASS' if c['pass'] else 'FAIL'}  {c['check']}: {c['value']:.2f}"
              + (f" ({c['note']})" if c.get("note") else "") for c in report["checks"]]
    load = report["machine"]["load_average"]
    load_text = " ".join(f"{x:.1f}" for x in load)
    lines.append(f"({report['machine']['cpus']} CPUs; load average at the end {load_text})")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="run", choices=("run", "measure", "naive"),
                        help="run: everything (measure and naive are the child processes it starts)")
    parser.add_argument("args", nargs="*", help="for measure: DUMP JOBS; for naive: DUMP SAMPLE")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--all-relevant", type=int, default=ALL_RELEVANT)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sample", type=int, default=SAMPLE, help="articles the naive baseline parses")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="timings of each all-relevant run (best kept)")
    parser.add_argument("--dumps", type=Path, default=OUT_DIR / "bench", help="folder for the synthetic dumps")
    parser.add_argument("-o", "--output", type=Path, default=OUT_DIR / "bench.json")
    args = parser.parse_args(argv)
    if args.mode == "measure":
        print(json.dumps(measure(Path(args.args[0]), int(args.args[1]))))
    elif args.mode == "naive":
        print(json.dumps(naive(Path(args.args[0]), int(args.args[1]))))
    else:
        report = run_all(args.sizes, args.all_relevant, args.jobs, args.sample, args.dumps, args.repeat)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=1) + "\n")
        print(render(report), end="")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
