"""The batch run: an article dump -> one claim a line, a per-article summary, an errors file.

Every input record ends as scored, skipped or errored; the counts add up to the records read.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from pipeline.checker import ClaimChecker
from pipeline.ingest import Problem, read_articles, read_records
from pipeline.outputs import RecordWriter
from pipeline.schema import Article, Claim, Label, Stance, Verdict

VERDICT_FIELDS = ["label", "subtype", "stance", "confidence", "evidence", "rules", "needs_review", "reason"]
CLAIM_FIELDS = ["article_id", "claim_id", "text", "start", "end", *VERDICT_FIELDS, "context", "stance_cue",
                "title", "url", "outlet", "published"]
SUMMARY_FIELDS = ["article_id", "title", "outlet", "published", "claims",
                  *[f"label_{lab.value}" for lab in Label], *[f"stance_{s.value}" for s in Stance],
                  "asserted_misinformation", "reported_misinformation", "needs_review"]
ERROR_FIELDS = ["source", "line", "record_id", "status", "reason"]


@dataclass
class Counts:
    read: int = 0
    scored: int = 0
    skipped: int = 0
    errored: int = 0
    claims: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, problem: Problem) -> None:
        setattr(self, problem.status, getattr(self, problem.status) + 1)
        self.reasons[problem.reason.split(" (")[0]] += 1

    def as_dict(self) -> dict:
        return {"read": self.read, "scored": self.scored, "skipped": self.skipped, "errored": self.errored,
                "claims": self.claims, "reasons": dict(sorted(self.reasons.items()))}


def claim_record(article: Article, claim: Claim, verdict: Verdict) -> dict:
    return {"article_id": article.id, "claim_id": claim.claim_id, "text": claim.text, "start": claim.start,
            "end": claim.end, **verdict.fields(), "context": claim.context, "stance_cue": claim.stance_cue,
            **article.metadata()}


def summary_record(article: Article, results: list[tuple[Claim, Verdict]]) -> dict:
    """Counts per label and stance; misinformation = conflation or exaggeration, split by who says it."""
    labels = Counter(v.label.value for _, v in results)
    stances = Counter(v.stance.value for _, v in results)
    myths = [v for _, v in results if v.label is not Label.ACCURATE]
    return {"article_id": article.id, "title": article.title, "outlet": article.outlet,
            "published": article.published, "claims": len(results),
            **{f"label_{lab.value}": labels[lab.value] for lab in Label},
            **{f"stance_{s.value}": stances[s.value] for s in Stance},
            "asserted_misinformation": sum(v.stance is Stance.ASSERTED for v in myths),
            "reported_misinformation": sum(v.stance is not Stance.ASSERTED for v in myths),
            "needs_review": sum(v.needs_review for _, v in results)}


def count_records(path: Path) -> int | None:
    try:
        return sum(1 for _ in read_records(path))
    except Exception:
        return None


def score_dump(in_path: Path, out_path: Path, checker: ClaimChecker, summary_path: Path | None = None,
               errors_path: Path | None = None, text_field: str = "text", id_field: str = "id",
               strict: bool = False, progress: bool = True) -> Counts:
    """Score every article of a dump; returns the accounting."""
    counts = Counts()
    errors_path = errors_path or Path(out_path).with_suffix(".errors.jsonl")
    summary = RecordWriter(summary_path, SUMMARY_FIELDS) if summary_path else None
    show = progress and sys.stderr.isatty()
    with RecordWriter(out_path, CLAIM_FIELDS) as out, RecordWriter(errors_path, ERROR_FIELDS) as errors:
        bar = tqdm(read_articles(in_path, text_field, id_field), total=count_records(in_path) if show else None,
                   unit="article", disable=not show, file=sys.stderr)
        for item in bar:
            counts.read += 1
            if isinstance(item, Problem):
                if strict and item.status == "errored":
                    raise StrictError(item.message())
                counts.add(item)
                errors.write({"source": item.source, "line": item.line, "record_id": item.record_id,
                              "status": item.status, "reason": item.reason})
                continue
            results = checker.check_article(item)
            for claim, verdict in results:
                out.write(claim_record(item, claim, verdict))
            counts.scored += 1
            counts.claims += len(results)
            if summary:
                summary.write(summary_record(item, results))
            bar.set_postfix(claims=counts.claims, skipped=counts.skipped, errored=counts.errored, refresh=False)
    if summary:
        summary.close()
    Path(out_path).with_suffix(".counts.json").write_text(json.dumps(counts.as_dict(), indent=2) + "\n")
    return counts


class StrictError(RuntimeError):
    """--strict: the first bad record stops the run."""
