"""The labelled corpus: loading, validation and the grouped train/test split."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd

from pipeline.config import CLAIMS_PATH, TEST_SHARE
from pipeline.facts import DataError, FactBase
from pipeline.schema import Label, Stance, check_label, class_name

CLAIM_COLUMNS = ("id", "text", "label", "subtype", "stance", "fact_ids", "group", "register")
REGISTERS = ("wire", "tabloid", "op-ed", "explainer", "qa", "social", "forum", "headline", "broadcast", "academic")


def fact_id_list(cell: str) -> list[str]:
    """The fact ids of a `fact_ids` cell ("F12;F28", or empty for none)."""
    return [fid for fid in cell.split(";") if fid]


def split_of(group: str) -> str:
    """'test' for one group in TEST_SHARE, by a hash of the group id; 'train' otherwise."""
    digest = int(hashlib.sha1(group.encode("utf-8")).hexdigest(), 16)
    return "test" if digest % TEST_SHARE == 0 else "train"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def validate_claim_row(row: dict, facts: FactBase) -> list[str]:
    """Every reason this corpus row is invalid (empty when valid)."""
    problems = []
    for col in CLAIM_COLUMNS:
        if col not in row or row[col] is None:
            problems.append(f"missing column {col!r}")
    if problems:
        return problems
    if not row["text"].strip():
        problems.append("empty text")
    if why := check_label(row["label"], row["subtype"]):
        problems.append(why)
    if row["stance"] not in {s.value for s in Stance}:
        problems.append(f"unknown stance {row['stance']!r}")
    if row["register"] not in REGISTERS:
        problems.append(f"unknown register {row['register']!r}")
    for fid in fact_id_list(row["fact_ids"]):
        if fid not in facts:
            problems.append(f"unknown fact id {fid!r}")
    if not row["group"].strip():
        problems.append("empty group")
    return problems


def load_claims(path: Path = CLAIMS_PATH, facts: FactBase | None = None) -> pd.DataFrame:
    """The labelled claims with a `target` class and a `split` column; raises DataError on bad rows."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    errors, seen = [], {}
    for lineno, row in enumerate(rows, 2):
        row = {k: (v or "") for k, v in row.items()}
        if facts is not None:
            errors += [f"{path}:{lineno}: {p}" for p in validate_claim_row(row, facts)]
        if row.get("id") in seen:
            errors.append(f"{path}:{lineno}: duplicate id {row['id']!r} (first on line {seen[row['id']]})")
        seen[row.get("id")] = lineno
    if errors:
        raise DataError("\n".join(errors[:20]) + (f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""))
    frame = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS)).fillna("")
    frame["target"] = [class_name(Label(lab), sub) for lab, sub in zip(frame["label"], frame["subtype"])]
    frame["split"] = [split_of(g) for g in frame["group"]]
    return frame


ARTICLE_STYLES = ("alarmist", "careful", "debunking", "mixed", "off_topic")


def validate_article(rec: dict, facts: FactBase) -> list[str]:
    """Every reason an annotated article is invalid: schema, exact unique substrings, label values."""
    problems = [f"missing field {k!r}" for k in ("id", "text", "style", "claims") if k not in rec]
    if problems:
        return problems
    if rec["style"] not in ARTICLE_STYLES:
        problems.append(f"unknown style {rec['style']!r}")
    for n, claim in enumerate(rec["claims"], 1):
        count = rec["text"].count(claim.get("text", ""))
        if count != 1:
            problems.append(f"claim {n} occurs {count} times in the text (need exactly once)")
        if why := check_label(claim.get("label", ""), claim.get("subtype", "")):
            problems.append(f"claim {n}: {why}")
        if claim.get("stance") not in {s.value for s in Stance}:
            problems.append(f"claim {n}: unknown stance {claim.get('stance')!r}")
        for fid in fact_id_list(claim.get("fact_ids", "")):
            if fid not in facts:
                problems.append(f"claim {n}: unknown fact id {fid!r}")
    return problems


def load_articles(path: Path, facts: FactBase | None = None) -> list[dict]:
    """Annotated articles; each gold claim gets its `start`/`end` offsets. Raises DataError on bad records."""
    import json

    articles, errors = [], []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            if facts is not None:
                errors += [f"{path}:{lineno}: {rec.get('id')}: {p}" for p in validate_article(rec, facts)]
            for claim in rec.get("claims", []):
                claim["start"] = rec["text"].find(claim["text"])
                claim["end"] = claim["start"] + len(claim["text"])
                claim.setdefault("subtype", "")
            rec["split"] = split_of(rec["id"])
            articles.append(rec)
    if errors:
        raise DataError("\n".join(errors[:20]))
    return articles


def spans_match(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two spans match when they overlap by more than half of the longer one."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap > 0.5 * max(a[1] - a[0], b[1] - b[0])
