"""The reviews corpus, corpus/reviewed.csv: reviewers' verdicts merged with provenance, and the retrain loop.

reviewed.csv has the columns of corpus/claims.csv (group = the article id, so the grouped split
keeps an article's claims together) and then provenance: reviewer(s), date, source file(s), the
sha256 of the model whose predictions were reviewed, that prediction, and comments. Verdicts that
disagree are never merged: within one import they are refused; against the file, a changed verdict
replaces the old one only if the same reviewers gave it (or with --overwrite). Importing the same
files again leaves the file byte for byte as it was.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from pipeline.config import CLAIMS_PATH, MANIFEST_PATH, MODEL_PATH, REVIEWED_PATH
from pipeline.facts import DataError, FactBase, load_facts
from pipeline.review import Review, collect_reviews, write_atomic
from pipeline.schema import Label

PROVENANCE_COLUMNS = ("reviewer", "reviewed_on", "source", "model_sha256", "predicted_label", "predicted_subtype",
                      "predicted_stance", "comment")
# Register is how a text is written, and reviewed claims come from news dumps: "wire" is the
# closest style. Provenance has its own columns; a "review" register would also have to be added
# to corpus.REGISTERS, which validates every corpus row.
REVIEW_REGISTER = "wire"


def consolidate(reviews: list[Review]) -> tuple[dict[str, list[Review]], list[str]]:
    """Reviews grouped by claim id; a claim whose reviews disagree, or that one coder reviewed twice, is refused."""
    groups: dict[str, list[Review]] = {}
    for r in reviews:
        groups.setdefault(r.id, []).append(r)
    problems = {cid: why for cid, group in groups.items() if (why := conflict(group))}
    return {cid: g for cid, g in groups.items() if cid not in problems}, list(problems.values())


def conflict(group: list[Review]) -> str | None:
    """Why a claim's reviews cannot be merged, or None when they agree."""
    first, coders = group[0], {}
    for r in group:
        if r.coder in coders:
            return f"{r.where}: claim {r.id!r} was already reviewed by the same coder at {coders[r.coder]}"
        coders[r.coder] = r.where
        if r.verdict() != first.verdict():
            return (f"{r.where}: claim {r.id!r}: {r.describe()} disagrees with {first.where}: {first.describe()}; "
                    "resolve it first (see `scs-claims review agreement`)")
    return None


def join_unique(values: Iterable[str], sep: str = ";") -> str:
    """Sorted distinct parts of sep-joined values, so merging in any order gives the same cell."""
    return sep.join(sorted({p.strip() for v in values for p in v.split(sep) if p.strip()}))


def reviewed_row(group: list[Review]) -> dict:
    """The corpus row of a claim's (agreeing) reviews: claims.csv columns, group = article id, then provenance."""
    r = group[0]
    return {"id": r.id, "text": r.text, "label": r.label.value, "subtype": r.subtype, "stance": r.stance.value,
            "fact_ids": join_unique(g.fact_ids for g in group), "group": r.article_id, "register": REVIEW_REGISTER,
            "reviewer": join_unique(g.reviewer for g in group), "reviewed_on": max(g.reviewed_on for g in group),
            "source": join_unique(g.source for g in group), "model_sha256": r.model_sha256,
            "predicted_label": r.predicted[0], "predicted_subtype": r.predicted[1], "predicted_stance": r.predicted[2],
            "comment": join_unique((g.comment for g in group), " | ")}


VERDICT = ("text", "label", "subtype", "stance")


def merge_row(old: dict | None, new: dict, overwrite: bool) -> dict | None:
    """The row to keep for a claim already in the reviews file, or None when the new verdict clashes.
    The same verdict adds reviewers, sources and comments (keeping the first date); a changed verdict
    replaces the old one only when the same reviewers gave it, or with `overwrite`."""
    if old is None:
        return new
    if all(old[c] == new[c] for c in VERDICT):
        return {**old, **{c: join_unique([old[c], new[c]]) for c in ("reviewer", "source", "fact_ids")},
                "comment": join_unique([old["comment"], new["comment"]], " | ")}
    if overwrite or set(old["reviewer"].split(";")) <= set(new["reviewer"].split(";")):
        return new
    return None


def reviewed_columns() -> tuple[str, ...]:
    from pipeline.corpus import CLAIM_COLUMNS

    return (*CLAIM_COLUMNS, *PROVENANCE_COLUMNS)


def load_reviewed(path: Path) -> dict[str, dict]:
    if not Path(path).exists():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != reviewed_columns():
            raise DataError(f"{path}:1: unexpected columns; expected {','.join(reviewed_columns())}")
        return {row["id"]: row for row in reader}


def natural_key(text: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def reviewed_bytes(rows: dict[str, dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, reviewed_columns(), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows[cid] for cid in sorted(rows, key=natural_key))
    return buf.getvalue().encode("utf-8")


def corpus_overlap(rows: Iterable[dict], corpus_path: Path) -> tuple[int, int]:
    """How many reviewed rows reuse a corpus id (they replace that claim in training) or repeat a corpus text."""
    if not Path(corpus_path).exists():
        return 0, 0
    with open(corpus_path, encoding="utf-8", newline="") as fh:
        corpus = list(csv.DictReader(fh))
    ids, texts = {r["id"] for r in corpus}, {r["text"] for r in corpus}
    rows = list(rows)
    return sum(r["id"] in ids for r in rows), sum(r["text"] in texts and r["id"] not in ids for r in rows)


def import_reviews(paths: Iterable[Path], reviewed_path: Path = REVIEWED_PATH, corpus_path: Path = CLAIMS_PATH,
                   skip_invalid: bool = False, overwrite: bool = False, reviewer: str = "",
                   date: str | None = None) -> dict:
    """Validate every row of the review files, then merge the verdicts into `reviewed_path` (atomically;
    untouched when nothing changed). Any bad row raises DataError listing them all, unless skip_invalid."""
    reviews, problems, blank = collect_reviews(paths, reviewer, date or datetime.date.today().isoformat())
    groups, conflicts = consolidate(reviews)
    facts, existing = load_facts(), load_reviewed(reviewed_path)
    rows, counts = dict(existing), Counter()
    for cid, group in groups.items():
        new = reviewed_row(group)
        if why := invalid_row(new, facts):
            problems.append(f"{group[0].where}: {why}")
        elif (kept := merge_row(existing.get(cid), new, overwrite)) is None:
            old = existing[cid]
            problems.append(f"{group[0].where}: claim {cid!r}: {new['label']}/{new['subtype']} {new['stance']} "
                            f"({new['reviewer']}) disagrees with {reviewed_path}: {old['label']}/{old['subtype']} "
                            f"{old['stance']} ({old['reviewer']}, from {old['source']}); resolve it, or pass "
                            "--overwrite to replace it")
        else:
            counts["added" if cid not in existing else "unchanged" if kept == existing[cid] else "updated"] += 1
            rows[cid] = kept
    problems += conflicts
    if problems and not skip_invalid:
        raise DataError("\n".join(problems))
    changed = write_atomic(reviewed_path, reviewed_bytes(rows))
    return {"counts": counts, "blank": blank, "skipped": problems, "changed": changed, "total": len(rows),
            "overlap": corpus_overlap((rows[c] for c in groups if c in rows), corpus_path)}


def invalid_row(row: dict, facts: FactBase) -> str | None:
    from pipeline.corpus import validate_claim_row

    problems = validate_claim_row(row, facts)
    return "; ".join(problems) or None


# --- retrain -----------------------------------------------------------------------------

def build_combined_corpus(claims_path: Path, reviewed_path: Path, out_path: Path) -> dict:
    """claims.csv plus the reviewed rows, as one corpus CSV. A reviewed row replaces the claim with its
    id but keeps that claim's group and register, so the held-out split does not move."""
    from pipeline.corpus import CLAIM_COLUMNS, split_of

    with open(claims_path, encoding="utf-8", newline="") as fh:
        claims = list(csv.DictReader(fh))
    reviewed = load_reviewed(reviewed_path)
    rows, pending = [], dict(reviewed)
    for row in claims:
        rev = pending.pop(row["id"], None)
        rows.append(row if rev is None else {**rev, "group": row["group"], "register": row["register"]})
    rows += pending.values()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CLAIM_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(out_path, buf.getvalue().encode("utf-8"))
    held_out = sum(split_of(r["group"]) == "test" for r in rows if r["id"] in reviewed)
    return {"reviewed": len(reviewed), "replaced": len(reviewed) - len(pending), "reviewed_held_out": held_out,
            "claims": len(rows)}


def retrain(claims_path: Path = CLAIMS_PATH, reviewed_path: Path = REVIEWED_PATH, out_dir: Path | None = None,
            model_path: Path = MODEL_PATH, manifest_path: Path = MANIFEST_PATH,
            params_path: Path | None = None) -> dict:
    """Train on claims.csv plus the reviewed claims into `out_dir`, and score the current model and the
    new one on the same held-out split of the combined corpus (reports in out_dir/before and /after)."""
    from pipeline.config import OUT_DIR, PARAMS_PATH
    from pipeline.evaluate import evaluate
    from pipeline.train import train

    out_dir = Path(out_dir or OUT_DIR / "retrain")
    combined = out_dir / "claims+reviewed.csv"
    info = build_combined_corpus(claims_path, reviewed_path, combined)
    before = evaluate(combined, model_path, manifest_path, out_dir / "before")
    new_model, new_manifest = out_dir / "claims.joblib", out_dir / "claims.manifest.json"
    manifest = train(combined, new_model, new_manifest, params_path or PARAMS_PATH)
    after = evaluate(combined, new_model, new_manifest, out_dir / "after")
    return {**info, "combined": combined, "model": new_model, "manifest_path": new_manifest, "manifest": manifest,
            "before": before, "after": after}


def render_retrain(result: dict) -> str:
    b, a = result["before"], result["after"]
    lines = [f"corpus: {result['claims']} claims, {result['reviewed']} of them reviewed "
             f"({result['replaced']} replacing a claims.csv row) -> {result['combined']}",
             f"held-out split: {a['held_out_claims']} claims in {a['held_out_groups']} groups "
             f"({result['reviewed_held_out']} reviewed); training split {a['train_claims']} claims", "",
             f"{'hybrid':<18} {'before':>8} {'after':>8}"]
    rows = [("macro-F1", "macro_f1"), ("accuracy", "accuracy"), ("subtype macro-F1", "subtype_macro_f1")]
    lines += [f"{name:<18} {b['hybrid'][key]:>8.3f} {a['hybrid'][key]:>8.3f}" for name, key in rows]
    for lab in (x.value for x in Label):
        lines.append(f"{lab + ' F1':<18} {b['hybrid']['per_label'][lab]['f1']:>8.3f} "
                     f"{a['hybrid']['per_label'][lab]['f1']:>8.3f}")
    return "\n".join(lines) + "\n"
