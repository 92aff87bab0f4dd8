"""Annotation review: export claims for reviewers, import their verdicts into corpus/reviewed.csv.

A review file (a CSV for spreadsheets, or Label Studio tasks) has one row per claim: the model's
prediction, the sentences around the claim, the evidence with fact statements, and empty
reviewer_* columns. A row's `id` is the article id plus a hash of the claim text, so it stays the
same when a dump is re-scored and lets import check that a row came from an export: an edited
id, article id or text no longer matches. Blank reviewer cells mean "not reviewed", never
"the model was right". Merging verdicts into corpus/reviewed.csv and retraining are in
`reviewed`, Label Studio tasks in `labelstudio`, kappa and alpha in `agreement`, the commands in
`cli`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.config import MANIFEST_PATH, SEED
from pipeline.facts import DataError, FactBase, load_facts
from pipeline.ingest import InputError, Problem, read_articles, read_records
from pipeline.outputs import FORMULA_START, safe_cell
from pipeline.schema import Label, Stance, check_label, class_name

STRATEGIES = ("uncertainty", "disagreement", "stratified", "random")
VERDICT_COLUMNS = ("reviewer_label", "reviewer_subtype", "reviewer_stance", "reviewer", "comment")
EXPORT_COLUMNS = ("id", "claim_id", "article_id", "outlet", "context_before", "text", "context_after",
                  "predicted_label", "predicted_subtype", "predicted_stance", "confidence", *VERDICT_COLUMNS,
                  "refers_to", "rules", "evidence", "fact_ids", "reason", "needs_review", "title", "url",
                  "published", "source", "model_sha256")
REQUIRED_COLUMNS = ("id", "article_id", "text", "fact_ids", *VERDICT_COLUMNS)
SCORED_FIELDS = ("article_id", "claim_id", "text", "start", "end", "label", "subtype", "stance", "confidence")


# --- cells and ids -----------------------------------------------------------------------

def claim_key(article_id: str, text: str) -> str:
    """The stable review id: the article id and a hash of the claim text."""
    return f"{article_id}#{hashlib.sha256(text.encode('utf-8')).hexdigest()[:10]}"


def neutralise(value):
    """`safe_cell`, and a quote before a leading quote too, so that `unneutralise` inverts it exactly."""
    if isinstance(value, str) and value.startswith("'"):
        return "'" + value
    return safe_cell(value)


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell


def unsafe_cell(value):
    """Undo `safe_cell` (best effort: a text that began with a quote and a formula sign loses its quote)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace `path` by way of a temporary file and os.replace; False (and no write) when the bytes are there."""
    path = Path(path)
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


# --- export ------------------------------------------------------------------------------

def read_scored(path: Path) -> tuple[list[dict], int]:
    """The claims of a `score` output, each with its review `id`; repeats of a claim (same article
    and text) are dropped and counted."""
    records, problems, seen, repeats = [], [], set(), 0
    for item in read_records(path):
        if isinstance(item, Problem):
            problems.append(item.message())
            continue
        lineno, rec = item
        if missing := [f for f in SCORED_FIELDS if f not in rec]:
            problems.append(f"{path}:{lineno}: missing field(s) {', '.join(missing)}; "
                            "is this the output of `scs-claims score`?")
            continue
        rec = {k: "" if v is None else v for k, v in rec.items()}
        if Path(path).suffix.lower() == ".csv":
            rec = {k: unsafe_cell(v) for k, v in rec.items()}
        rec["article_id"] = str(rec["article_id"])
        rec["id"] = claim_key(rec["article_id"], rec["text"])
        if rec["id"] in seen:
            repeats += 1
            continue
        seen.add(rec["id"])
        records.append(rec)
    if problems:
        raise DataError("\n".join(problems))
    return records, repeats


def select_claims(records: list[dict], strategy: str, n: int | None, seed: int = SEED,
                  disagreeing: set[str] | None = None) -> list[dict]:
    """The claims to review, best first. Uncertainty and disagreement keep priority order (least
    confident first); the samples keep dump order, so an article's claims stay together."""
    rng = random.Random(seed)
    if strategy == "uncertainty":
        return sorted(records, key=lambda r: float(r["confidence"]))[:n]
    if strategy == "disagreement":
        return sorted((r for r in records if r["id"] in (disagreeing or set())),
                      key=lambda r: float(r["confidence"]))[:n]
    if strategy == "stratified":
        chosen = stratified_sample(records, n, rng)
    elif strategy == "random":
        chosen = rng.sample(records, min(n or len(records), len(records)))
    else:
        raise ValueError(f"unknown strategy {strategy!r}")
    order = {id(r): i for i, r in enumerate(records)}
    return sorted(chosen, key=lambda r: order[id(r)])


def stratified_sample(records: list[dict], n: int | None, rng: random.Random) -> list[dict]:
    """Round-robin over the predicted labels, each label's claims shuffled: as balanced as the data allow."""
    pools = [[r for r in records if r["label"] == lab.value] for lab in Label]
    for pool in pools:
        rng.shuffle(pool)
    chosen, limit = [], n or len(records)
    while len(chosen) < limit and any(pools):
        for pool in pools:
            if pool and len(chosen) < limit:
                chosen.append(pool.pop())
    return chosen


def rule_disagreements(records: list[dict]) -> set[str]:
    """Ids of claims where a check, run on the claim text, suggests another label than the predicted one."""
    from pipeline.checker import UNUSED_COMPONENTS
    from pipeline.nlp import load_nlp
    from pipeline.rules import PatternSet, load_patterns, run_checks

    nlp, facts = load_nlp(UNUSED_COMPONENTS), load_facts()
    patterns = PatternSet(nlp, load_patterns())
    docs = nlp.pipe([r["text"] for r in records], batch_size=256)
    return {r["id"] for r, doc in zip(records, docs, strict=True)
            if any(h.label is not None and h.label is not Label(r["label"])
                   for h in run_checks(patterns.find(doc), facts))}


_BOUNDARY = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))\s+|\s*\n\s*")
_ENDS_SENTENCE = re.compile(r"(?:[.!?][\"'”’)]?\s+|\n\s*)$")


def sentences(text: str) -> list[str]:
    """A simple sentence split: after . ! ? (and a closing quote) before whitespace, and at line breaks."""
    return [" ".join(s.split()) for s in _BOUNDARY.split(text) if s.strip()]


def context_around(text: str, start: int, end: int) -> tuple[str, str]:
    """One sentence either side of text[start:end]; a claim that is a clause also gets the rest of its sentence."""
    head, tail = text[:start], text[end:]
    before, after = sentences(head), sentences(tail)
    head_open = bool(head.strip()) and not _ENDS_SENTENCE.search(head)
    tail_open = bool(tail.strip()) and not (_ENDS_SENTENCE.search(text[start:end] + " ") or re.match(r"\s*\n", tail))
    return " ".join(before[-2:] if head_open else before[-1:]), " ".join(after[:2] if tail_open else after[:1])


def article_contexts(dump: Path, records: list[dict]) -> dict[str, tuple[str, str]]:
    """Context for each claim whose article is in the dump (found by offsets, else by the text itself)."""
    wanted: dict[str, list[dict]] = {}
    for r in records:
        wanted.setdefault(r["article_id"], []).append(r)
    out = {}
    for art in read_articles(dump):
        for r in [] if isinstance(art, Problem) else wanted.get(art.id, []):
            start = int(r["start"])
            if art.text[start:start + len(r["text"])] != r["text"]:
                start = art.text.find(r["text"])
            if start >= 0:
                out[r["id"]] = context_around(art.text, start, start + len(r["text"]))
    return out


def evidence_cells(evidence: str, facts: FactBase) -> tuple[str, str]:
    """('F19 (contradicts): <statement> | …', 'F19;…') from 'F19:contradicts;…'."""
    parts, ids = [], []
    for item in filter(None, str(evidence).split(";")):
        fid, _, relation = item.partition(":")
        ids.append(fid)
        parts.append(f"{fid} ({relation}): {facts.statement(fid) if fid in facts else '(not in the fact base)'}")
    return " | ".join(parts), ";".join(ids)


def model_sha256(manifest_path: Path) -> str:
    try:
        return str(json.loads(Path(manifest_path).read_text(encoding="utf-8"))["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def export_row(rec: dict, context: tuple[str, str], facts: FactBase, source: str, sha: str) -> dict:
    evidence, fact_ids = evidence_cells(rec.get("evidence", ""), facts)
    get = rec.get
    return {"id": rec["id"], "claim_id": rec["claim_id"], "article_id": rec["article_id"], "outlet": get("outlet", ""),
            "context_before": context[0], "text": rec["text"], "context_after": context[1],
            "predicted_label": rec["label"], "predicted_subtype": rec["subtype"], "predicted_stance": rec["stance"],
            "confidence": rec["confidence"], **dict.fromkeys(VERDICT_COLUMNS, ""), "refers_to": get("context", ""),
            "rules": get("rules", ""), "evidence": evidence, "fact_ids": fact_ids, "reason": get("reason", ""),
            "needs_review": get("needs_review", ""), "title": get("title", ""), "url": get("url", ""),
            "published": get("published", ""), "source": source, "model_sha256": sha}


def review_csv_bytes(rows: Iterable[dict], bom: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, EXPORT_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({c: neutralise(row.get(c, "")) for c in EXPORT_COLUMNS})
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def export_review(scored: Path, out: Path, strategy: str = "uncertainty", n: int | None = None, seed: int = SEED,
                  articles: Path | None = None, fmt: str = "csv", bom: bool = False,
                  manifest_path: Path = MANIFEST_PATH) -> dict:
    """Write a review file for `n` claims of a scored dump, chosen by `strategy`; returns counts."""
    records, repeats = read_scored(scored)
    disagreeing = rule_disagreements(records) if strategy == "disagreement" else None
    chosen = select_claims(records, strategy, n, seed, disagreeing)
    contexts = article_contexts(articles, chosen) if articles else {}
    facts, sha = load_facts(), model_sha256(manifest_path)
    rows = [export_row(r, contexts.get(r["id"], ("", "")), facts, Path(scored).name, sha) for r in chosen]
    if fmt == "labelstudio":
        from pipeline.labelstudio import write_tasks

        write_tasks(rows, out)
    else:
        write_atomic(out, review_csv_bytes(rows, bom))
    return {"rows": len(rows), "claims": len(records), "repeats": repeats, "with_context": len(contexts),
            "model_sha256": sha}


# --- import ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Review:
    """One reviewer's verdict on one claim, as read from a review file."""

    where: str  # file:line (or file:task n)
    coder: str  # whose verdicts these are, for agreement: the file, or file [annotator]
    id: str
    article_id: str
    text: str
    fact_ids: str
    label: Label
    subtype: str
    stance: Stance
    reviewer: str
    comment: str
    reviewed_on: str
    source: str
    model_sha256: str
    predicted: tuple[str, str, str]

    def verdict(self) -> tuple[str, str, str]:
        return self.label.value, self.subtype, self.stance.value

    def describe(self) -> str:
        return f"{class_name(self.label, self.subtype)} {self.stance.value} ({self.reviewer})"


def parse_review(cells: dict, where: str, coder: str, reviewer: str = "", date: str = "") -> Review | str | None:
    """A Review, a problem message ('file:line: reasons'), or None for a row nobody reviewed."""
    label, subtype, stance = (str(cells.get(c) or "").strip().lower() for c in VERDICT_COLUMNS[:3])
    if not label:
        return f"{where}: reviewer_subtype or reviewer_stance filled in but reviewer_label blank" if subtype or stance \
            else None
    get = {k: str(v if v is not None else "") for k, v in cells.items()}.get
    problems = []
    if not get("id") or get("id") != claim_key(get("article_id", ""), get("text", "")):
        problems.append(f"unknown claim id {get('id', '')!r} (not from an export, or its id, article_id or text "
                        "cell was edited)")
    if why := check_label(label, subtype):
        problems.append(why)
    if stance not in {s.value for s in Stance}:
        problems.append(f"unknown stance {stance!r}" if stance else "reviewer_stance is blank")
    who = get("reviewer", "").strip() or reviewer
    if not who:
        problems.append("reviewer is blank (fill it in or pass --reviewer)")
    if problems:
        return f"{where}: " + "; ".join(problems)
    return Review(where, coder, get("id"), get("article_id"), get("text"), get("fact_ids", ""), Label(label), subtype,
                  Stance(stance), who, get("comment", "").strip(), get("reviewed_on", "") or date,
                  get("source", ""), get("model_sha256", ""),
                  (get("predicted_label", ""), get("predicted_subtype", ""), get("predicted_stance", "")))


def read_review_csv(path: Path) -> Iterator[tuple[str, dict]]:
    """('file:line', cells) per row; the line is where the row starts, cells are un-neutralised."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [unneutralise(h).strip() for h in next(reader, [])]
            if missing := [c for c in REQUIRED_COLUMNS if c not in header]:
                raise DataError(f"{path}:1: missing column(s) {', '.join(missing)}; is this a review export?")
            line = reader.line_num
            for row in reader:
                start, line = line + 1, reader.line_num
                if any(cell.strip() for cell in row):
                    yield f"{path}:{start}", dict(zip(header, map(unneutralise, row), strict=False))
    except UnicodeDecodeError:
        raise InputError(f"{path}: invalid UTF-8; save the sheet as 'CSV UTF-8'") from None
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV ({exc})") from None


def read_reviews(path: Path, reviewer: str = "", date: str = "") -> tuple[list[Review], list[str], int]:
    """The verdicts of one review file (.csv, or Label Studio's .json export), its problems, and how
    many rows were left unreviewed."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        from pipeline.labelstudio import read_export

        items = read_export(path)
    elif path.suffix.lower() == ".csv":
        items = read_review_csv(path)
    else:
        raise InputError(f"{path}: unsupported review format {path.suffix or '(none)'}; use .csv or .json")
    reviews, problems, blank = [], [], 0
    for where, cells in items:
        got = parse_review(cells, where, str(path), reviewer, date)
        if isinstance(got, Review):
            coder = f"{path} [{got.reviewer}]" if path.suffix.lower() == ".json" else str(path)
            reviews.append(replace(got, coder=coder, source=path.name))
        elif got:
            problems.append(got)
        else:
            blank += 1
    return reviews, problems, blank


def collect_reviews(paths: Iterable[Path], reviewer: str = "", date: str = "") -> tuple[list[Review], list[str], int]:
    reviews, problems, blank = [], [], 0
    for path in dict.fromkeys(Path(p) for p in paths):
        got = read_reviews(path, reviewer, date)
        reviews += got[0]
        problems += got[1]
        blank += got[2]
    return reviews, problems, blank
