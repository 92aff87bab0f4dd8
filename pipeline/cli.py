"""scs-claims: a thin command line over the library. Each subcommand parses arguments and calls one function."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.config import CLAIMS_PATH, MANIFEST_PATH, MODEL_PATH, OUT_DIR, PARAMS_PATH, REPORTS_DIR, SAMPLE_DUMP
from pipeline.engines import CHUNK_SIZE, ENGINES
from pipeline.ingest import MAX_CHARS

EPILOG = """examples:
  scs-claims score corpus/sample/articles.jsonl -o out/claims.jsonl --summary out/summary.csv
  scs-claims classify claims.csv -o verdicts.csv
  scs-claims train && scs-claims evaluate
"""


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


def cmd_train(args: argparse.Namespace) -> int:
    from pipeline.train import train

    manifest = train(args.corpus, args.model, args.manifest, args.params)
    cv = manifest["cv"]
    print(f"trained on {manifest['train_claims']} claims; grouped {cv['folds']}-fold CV macro-F1 by candidate: "
          + ", ".join(f"{k} {v:.3f}" for k, v in cv["candidates_macro_f1"].items()))
    print(f"chose {manifest['chosen']}; hybrid CV macro-F1 {cv['hybrid_macro_f1']:.3f}, ECE {cv['ece']:.3f}; "
          f"detector F1 {cv['detector_f1']:.3f}; stance accuracy {cv['stance_accuracy']:.3f}")
    print(f"wrote {args.model} (sha256 {manifest['sha256'][:12]}…)")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate, render

    report = evaluate(args.corpus, args.model, args.manifest, args.reports)
    print(render(report), end="")
    print(f"wrote {args.reports / 'evaluation.json'}, {args.reports / 'evaluation.md'}, {args.reports / 'errors.csv'}")
    return 0


def cmd_corpus_report(args: argparse.Namespace) -> int:
    from pipeline.corpus_report import corpus_report, render

    report = corpus_report(args.corpus)
    print(render(report), end="")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from pipeline.checker import ClaimChecker
    from pipeline.classify import classify_file
    from pipeline.ingest import check_input
    from pipeline.outputs import output_format

    check_input(args.input)
    output_format(args.output)
    counts = classify_file(args.input, args.output, ClaimChecker.load(args.model, args.manifest))
    print(f"classified {counts.scored} of {counts.read} rows ({counts.skipped} skipped, {counts.errored} errored) "
          f"-> {args.output}", file=sys.stderr)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from pipeline.ingest import check_input
    from pipeline.outputs import output_format
    from pipeline.score import ScoreSettings, score_dump

    check_input(args.input)
    for path in (args.output, args.summary, args.errors):
        if path:
            output_format(path)
    settings = ScoreSettings(str(args.model), str(args.manifest), args.text_field, args.id_field, args.max_chars)
    counts = score_dump(args.input, args.output, settings, args.summary, args.errors, engine=args.engine,
                        jobs=args.jobs, scheduler=args.scheduler, chunk_size=args.chunk_size, resume=args.resume,
                        strict=args.strict, progress=not args.quiet)
    rate = counts.read / counts.seconds if counts.seconds else 0
    print(f"read {counts.read} records: {counts.scored} scored, {counts.skipped} skipped, {counts.errored} errored; "
          f"{counts.claims} claims -> {args.output} ({counts.seconds:.1f} s, {rate:.0f} articles/s)", file=sys.stderr)
    if counts.reasons and not args.quiet:
        print("  reasons: " + json.dumps(dict(counts.reasons)), file=sys.stderr)
    return 0


def positive_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def add_command(subparsers, name: str, func, help_text: str, example: str) -> argparse.ArgumentParser:
    """A subcommand whose help is its description, with an example in the epilog."""
    p = subparsers.add_parser(name, help=help_text, description=help_text, epilog=f"example:\n  {example}",
                              formatter_class=Formatter)
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scs-claims", formatter_class=Formatter, epilog=EPILOG,
        description="Find claims about China's Social Credit System in news text and label each one "
                    "accurate, conflation or exaggeration, with its stance, evidence and the checks that fired.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help_text: str, example: str) -> argparse.ArgumentParser:
        return add_command(sub, name, func, help_text, example)

    def model_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", type=Path, default=MODEL_PATH, help="model artifact (joblib)")
        p.add_argument("--manifest", type=Path, default=MANIFEST_PATH, help="its manifest (sha256 is checked)")

    p = command("train", cmd_train, "Train the claim detector, stance model and classifier on the training split "
                "of the labelled corpus and annotated articles; candidates are compared by grouped CV.",
                "scs-claims train --corpus corpus/claims.csv")
    p.add_argument("--corpus", type=Path, default=CLAIMS_PATH, help="labelled claims CSV")
    p.add_argument("--params", type=Path, default=PARAMS_PATH, help="hyperparameters and candidate models (JSON)")
    model_args(p)

    p = command("evaluate", cmd_evaluate, "Score the model, rules-only and model-only ablations on the "
                "grouped held-out split; write reports/evaluation.{json,md} and reports/errors.csv.",
                "scs-claims evaluate")
    p.add_argument("--corpus", type=Path, default=CLAIMS_PATH, help="labelled claims CSV")
    p.add_argument("--reports", type=Path, default=REPORTS_DIR, help="folder for the reports")
    model_args(p)

    p = command("corpus-report", cmd_corpus_report, "Validate the corpus and print its counts per label, subtype, "
                "stance and register, the near-duplicate rate (token-set Jaccard), split hygiene and lexical variety.",
                "scs-claims corpus-report --json reports/corpus.json")
    p.add_argument("--corpus", type=Path, default=CLAIMS_PATH, help="labelled claims CSV")
    p.add_argument("--json", type=Path, help="also write the report as JSON here")

    p = command("classify", cmd_classify, "Label claim sentences: input rows (CSV or JSONL) carry `id` and "
                "`text`; other columns pass through; output adds label, subtype, stance, confidence, evidence, "
                "rules, needs_review.", "scs-claims classify claims.csv -o verdicts.jsonl")
    p.add_argument("input", type=Path, help="claims file (.csv or .jsonl)")
    p.add_argument("-o", "--output", type=Path, required=True, help="output file (.csv, .jsonl or .parquet)")
    model_args(p)

    p = command("score", cmd_score, "Score an article dump: one claim a line out, a per-article summary, and an "
                "errors file accounting for every record that was skipped or could not be read. Inputs by "
                "extension: .jsonl (.jsonl.gz), .csv, .parquet (fields mapped by --text-field, --id-field), "
                ".warc (.warc.gz), or a folder of these and of .txt/.html files (main text by trafilatura). "
                "Articles without SCS vocabulary are skipped before any parsing.",
                f"scs-claims score {SAMPLE_DUMP.relative_to(SAMPLE_DUMP.parents[2])} -o out/claims.jsonl "
                "--summary out/summary.csv --jobs 2")
    p.add_argument("input", type=Path, help="article dump: a file (.jsonl, .jsonl.gz, .csv, .parquet, .warc, "
                   ".warc.gz) or a folder")
    p.add_argument("-o", "--output", type=Path, default=OUT_DIR / "claims.jsonl",
                   help="claims file (.jsonl, .csv or .parquet)")
    p.add_argument("--summary", type=Path, help="per-article summary file (.csv, .jsonl or .parquet)")
    p.add_argument("--errors", type=Path, help="errors file (default: OUTPUT with .errors.jsonl)")
    p.add_argument("--text-field", default="text", help="input field holding the article text")
    p.add_argument("--id-field", default="id", help="input field holding the article id")
    p.add_argument("--max-chars", type=positive_number, default=MAX_CHARS,
                   help="longer articles are errored as 'too long'")
    p.add_argument("--jobs", type=positive_number, default=1, help="worker processes (local engine)")
    p.add_argument("--engine", choices=ENGINES, default="local",
                   help="local processes, or a Dask cluster")
    p.add_argument("--scheduler", help="Dask scheduler address (default: start a local two-worker cluster)")
    p.add_argument("--chunk-size", type=positive_number, default=CHUNK_SIZE,
                   help="records per chunk (the unit of work, output order and checkpoints)")
    p.add_argument("--resume", action="store_true", help="go on from OUTPUT.checkpoint.json after an interruption")
    p.add_argument("--strict", action="store_true", help="stop at the first unreadable record")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    model_args(p)
    add_review_commands(sub, command)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipeline.checkpoint import CheckpointError
    from pipeline.facts import DataError
    from pipeline.ingest import InputError
    from pipeline.model import ModelError
    from pipeline.nlp import ModelMissing
    from pipeline.outputs import OutputError
    from pipeline.score import StrictError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CheckpointError, DataError, InputError, ModelError, ModelMissing, OutputError, StrictError) as exc:
        lines = str(exc).splitlines() or [type(exc).__name__]
        for line in lines:
            print(f"scs-claims: error: {line}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"scs-claims: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scs-claims: interrupted", file=sys.stderr)
        return 130


# --- review: export for reviewers, import their verdicts, agreement, retrain -------------------

def cmd_review_export(args: argparse.Namespace) -> int:
    from pipeline.ingest import check_input
    from pipeline.outputs import OutputError
    from pipeline.review import export_review

    check_input(args.input)
    fmt = args.format or ("labelstudio" if args.output.suffix.lower() == ".json" else "csv")
    if args.output.suffix.lower() != {"csv": ".csv", "labelstudio": ".json"}[fmt]:
        raise OutputError(f"{args.output}: a {fmt} review file needs a {'.csv' if fmt == 'csv' else '.json'} name")
    res = export_review(args.input, args.output, args.strategy, args.n, args.seed, args.articles, fmt, args.bom,
                        args.manifest)
    print(f"exported {res['rows']} of {res['claims']} claims ({args.strategy}, seed {args.seed}, "
          f"{res['with_context']} with context) -> {args.output}", file=sys.stderr)
    if res["repeats"]:
        print(f"  {res['repeats']} repeated claims (same article and text) were exported once", file=sys.stderr)
    if not res["model_sha256"]:
        print(f"scs-claims: warning: {args.manifest}: no model sha256; rows carry none", file=sys.stderr)
    return 0


def cmd_review_import(args: argparse.Namespace) -> int:
    from pipeline.reviewed import import_reviews

    res = import_reviews(args.files, args.reviewed, args.corpus, args.skip_invalid, args.overwrite, args.reviewer,
                         args.date)
    for line in res["skipped"]:
        print(f"scs-claims: skipped: {line}", file=sys.stderr)
    c = res["counts"]
    print(f"{c['added']} added, {c['updated']} updated, {c['unchanged']} unchanged, {len(res['skipped'])} refused, "
          f"{res['blank']} not reviewed; {args.reviewed} has {res['total']} claims"
          + ("" if res["changed"] else " (unchanged)"), file=sys.stderr)
    if res["overlap"][1]:
        print(f"scs-claims: note: {res['overlap'][1]} reviewed claims repeat a {args.corpus.name} text word for word",
              file=sys.stderr)
    return 0


def cmd_review_agreement(args: argparse.Namespace) -> int:
    from pipeline.agreement import agreement, render_agreement
    from pipeline.facts import DataError
    from pipeline.review import collect_reviews

    reviews, problems, _ = collect_reviews(args.files, reviewer="-")
    if problems and not args.skip_invalid:
        raise DataError("\n".join(problems))
    report = agreement(reviews)
    if len(report["coders"]) < 2:
        files = ", ".join(map(str, args.files))
        raise DataError(f"agreement needs two or more coders; found {len(report['coders'])} in {files}")
    print(render_agreement(report), end="")
    return 0


def cmd_review_retrain(args: argparse.Namespace) -> int:
    from pipeline.reviewed import render_retrain, retrain

    result = retrain(args.corpus, args.reviewed, args.out, args.model, args.manifest)
    print(render_retrain(result), end="")
    print(f"wrote {result['model']} and reports in {args.out}/before and {args.out}/after; score with it by passing "
          f"--model {result['model']} --manifest {result['manifest_path']}")
    return 0


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def add_review_commands(sub, command) -> None:
    """`scs-claims review export|import|agreement|retrain`."""
    from pipeline.config import REVIEWED_PATH, SEED
    from pipeline.review import STRATEGIES

    review = command("review", None, "Review predictions: export claims for reviewers, import their verdicts into "
                     "corpus/reviewed.csv, measure agreement, retrain.",
                     "scs-claims review export out/claims.jsonl -o review.csv --n 200 --articles dump.jsonl")
    steps = review.add_subparsers(dest="review_command", required=True, metavar="STEP")

    def step(name: str, func, help_text: str, example: str) -> argparse.ArgumentParser:
        return add_command(steps, name, func, help_text, example)

    p = step("export", cmd_review_export, "Write a review file (CSV for a spreadsheet, or Label Studio tasks) for "
             "claims of a `score` output: context, prediction, evidence with fact statements, and empty reviewer "
             "columns (reviewer_label, reviewer_subtype, reviewer_stance, reviewer, comment).",
             "scs-claims review export out/claims.jsonl -o review.csv --n 100 --strategy uncertainty "
             "--articles corpus/sample/articles.jsonl --bom")
    p.add_argument("input", type=Path, help="claims scored by `scs-claims score` (.jsonl or .csv)")
    p.add_argument("-o", "--output", type=Path, required=True, help="review file (.csv, or .json for Label Studio)")
    p.add_argument("--n", type=positive_int, help="how many claims; all when not given")
    p.add_argument("--strategy", choices=STRATEGIES, default="uncertainty",
                   help="least confident first; rules that disagree with the prediction; balanced over predicted "
                        "labels; or a random sample")
    p.add_argument("--seed", type=int, default=SEED, help="seed for stratified and random samples")
    p.add_argument("--articles", type=Path, help="the article dump that was scored, for one sentence of context")
    p.add_argument("--format", choices=("csv", "labelstudio"), help="default: from the output's extension")
    p.add_argument("--bom", action="store_true", help="write UTF-8 with a byte-order mark, for Excel")
    p.add_argument("--manifest", type=Path, default=MANIFEST_PATH, help="manifest of the model that scored the claims")

    p = step("import", cmd_review_import, "Validate reviewed files (CSV, or Label Studio's JSON export) and merge "
             "their verdicts into corpus/reviewed.csv with reviewer, date, source and model sha256. Every bad row is "
             "reported; nothing is written while any remain, unless --skip-invalid. Rows with a blank "
             "reviewer_label are not reviewed and are left out.",
             "scs-claims review import review_alice.csv review_bob.csv")
    p.add_argument("files", type=Path, nargs="+", help="review files (.csv or Label Studio .json export)")
    p.add_argument("--reviewed", type=Path, default=REVIEWED_PATH, help="reviews corpus to merge into")
    p.add_argument("--corpus", type=Path, default=CLAIMS_PATH, help="labelled corpus the reviews extend")
    p.add_argument("--skip-invalid", action="store_true", help="import the valid rows and report the others")
    p.add_argument("--overwrite", action="store_true", help="replace verdicts other reviewers gave earlier")
    p.add_argument("--reviewer", default="", help="name for rows whose reviewer cell is blank")
    p.add_argument("--date", help="review date to record (default: today)")

    p = step("agreement", cmd_review_agreement, "Agreement between reviewers who reviewed the same export: Cohen's "
             "kappa per field (label, subtype, stance) for two, Krippendorff's alpha (nominal) for any number, and "
             "the claims they disagree on.", "scs-claims review agreement review_alice.csv review_bob.csv")
    p.add_argument("files", type=Path, nargs="+", help="one review file per reviewer (or a Label Studio export)")
    p.add_argument("--skip-invalid", action="store_true", help="leave bad rows out instead of stopping")

    p = step("retrain", cmd_review_retrain, "Train on corpus/claims.csv plus corpus/reviewed.csv into out/retrain/ "
             "and print held-out scores of the current model and the retrained one on the same split.",
             "scs-claims review retrain")
    p.add_argument("--corpus", type=Path, default=CLAIMS_PATH, help="labelled claims CSV")
    p.add_argument("--reviewed", type=Path, default=REVIEWED_PATH, help="reviewed claims CSV")
    p.add_argument("--out", type=Path, default=OUT_DIR / "retrain", help="folder for the new model and reports")
    p.add_argument("--model", type=Path, default=MODEL_PATH, help="current model (scored as 'before')")
    p.add_argument("--manifest", type=Path, default=MANIFEST_PATH, help="its manifest")


if __name__ == "__main__":
    sys.exit(main())
