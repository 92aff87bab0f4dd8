"""The batch run: an article dump -> one claim a line, a per-article summary, an errors file, counts.

The dump is read as a stream and cut into chunks of records; `score_chunk` (the same function on every
engine) turns a chunk into rows, skipping off-topic articles before any parsing and parsing only the
relevant paragraphs of the rest; the rows are written in chunk order, and a checkpoint follows at
most every CHECKPOINT_SECONDS. Every input record ends as scored, skipped or errored, and
the counts add up to the records read.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from tqdm import tqdm

from pipeline.checker import ClaimChecker
from pipeline.checkpoint import Checkpoint, checkpoint_path, load_checkpoint, run_identity, save_checkpoint
from pipeline.config import MANIFEST_PATH, MODEL_PATH
from pipeline.engines import CHUNK_SIZE, make_engine
from pipeline.ingest import MAX_CHARS, Problem, RawRecord, check_input, to_article
from pipeline.outputs import RecordWriter
from pipeline.readers import iter_records
from pipeline.relevance import focus, is_relevant
from pipeline.schema import Article, Claim, Label, Stance, Verdict

VERDICT_FIELDS = ["label", "subtype", "stance", "confidence", "evidence", "rules", "needs_review", "reason"]
CLAIM_FIELDS = ["article_id", "claim_id", "text", "start", "end", *VERDICT_FIELDS, "context", "stance_cue",
                "title", "url", "outlet", "published"]
SUMMARY_FIELDS = ["article_id", "title", "outlet", "published", "claims",
                  *[f"label_{lab.value}" for lab in Label], *[f"stance_{s.value}" for s in Stance],
                  "asserted_misinformation", "reported_misinformation", "needs_review"]
ERROR_FIELDS = ["source", "line", "offset", "record_id", "status", "reason"]
CHECKPOINT_SECONDS = 1.0  # outputs are synced and checkpointed at most this often (fsync is not free)
DELAY_ENV = "SCS_CLAIMS_CHUNK_DELAY"  # test hook: seconds to wait between writing a chunk and its checkpoint


class StrictError(RuntimeError):
    """--strict: the first bad record stops the run."""


@dataclass
class Counts:
    read: int = 0
    scored: int = 0
    skipped: int = 0
    errored: int = 0
    claims: int = 0
    reasons: Counter = field(default_factory=Counter)
    seconds: float = 0.0  # scoring time, models loaded (not part of the written counts)

    def add(self, problem: Problem) -> None:
        setattr(self, problem.status, getattr(self, problem.status) + 1)
        self.reasons[problem.reason.split(" (")[0]] += 1

    def as_dict(self) -> dict:
        return {"read": self.read, "scored": self.scored, "skipped": self.skipped, "errored": self.errored,
                "claims": self.claims, "reasons": dict(sorted(self.reasons.items()))}

    @classmethod
    def from_dict(cls, data: dict) -> Counts:
        return cls(**{**data, "reasons": Counter(data.get("reasons", {}))}) if data else cls()


@dataclass(frozen=True)
class ScoreSettings:
    """What a worker needs to score a chunk; small and picklable, sent with every chunk."""

    model_path: str = str(MODEL_PATH)
    manifest_path: str = str(MANIFEST_PATH)
    text_field: str = "text"
    id_field: str = "id"
    max_chars: int = MAX_CHARS
    batch_size: int = 32


@dataclass
class ChunkResult:
    records: int
    claims: list[dict] = field(default_factory=list)
    summaries: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    scored: int = 0


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


def error_record(problem: Problem) -> dict:
    return {"source": problem.source, "line": problem.line, "offset": problem.offset,
            "record_id": problem.record_id, "status": problem.status, "reason": problem.reason}


_checkers: dict[tuple[str, str], ClaimChecker] = {}
_parsing = threading.RLock()  # spaCy is not thread-safe, and load_nlp shares one pipeline per process


def load_checker(settings: ScoreSettings) -> ClaimChecker:
    """The checker for these settings, loaded once per worker process."""
    key = (settings.model_path, settings.manifest_path)
    with _parsing:
        if key not in _checkers:
            _checkers[key] = ClaimChecker.load(Path(settings.model_path), Path(settings.manifest_path))
        return _checkers[key]


def warm(settings: ScoreSettings) -> None:
    """Load the checker in a worker before any chunk arrives (returns nothing: Dask sends results back)."""
    load_checker(settings)


def triage(item: RawRecord | Problem, settings: ScoreSettings) -> Article | Problem:
    """The article to parse, or why not: unreadable, empty, too long, or not about the SCS at all."""
    if isinstance(item, Problem):
        return item
    article = to_article(item, settings.text_field, settings.id_field, settings.max_chars)
    if isinstance(article, Article) and not is_relevant(article.text):
        return Problem(item.source, item.line, "not relevant", "skipped", article.id, item.offset)
    return article


def score_chunk(items: list[RawRecord | Problem], settings: ScoreSettings) -> ChunkResult:
    """One chunk of records -> its rows, in input order. The per-chunk function of every engine."""
    entries = [(item, triage(item, settings)) for item in items]
    articles = [a for _, a in entries if isinstance(a, Article)]
    checker = load_checker(settings)
    with _parsing:  # threads of one worker process (a Dask worker with --nthreads > 1) take turns
        checked = iter(check_all(checker, articles, settings.batch_size) if articles else [])
    result = ChunkResult(records=len(items))
    for item, entry in entries:
        if isinstance(entry, Problem):
            result.problems.append(entry)
            continue
        outcome = next(checked)
        if isinstance(outcome, Exception):
            result.problems.append(Problem(item.source, item.line, f"scoring failed ({type(outcome).__name__}: "
                                           f"{outcome})", record_id=entry.id, offset=item.offset))
            continue
        result.claims += [claim_record(entry, c, v) for c, v in outcome]
        result.summaries.append(summary_record(entry, outcome))
        result.scored += 1
    return result


def check_all(checker: ClaimChecker, articles: list[Article], batch_size: int) -> list:
    """Each article's (claim, verdict) pairs, parsing only its SCS stretch (`focus`) in batches and running
    the models once over the chunk; one by one, with errors kept, if that fails."""
    try:
        docs = checker.nlp.pipe([focus(a.text) for a in articles], batch_size=batch_size)
        return checker.check_parsed(list(zip(articles, docs, strict=True)))
    except Exception:
        return [_check_one(checker, a) for a in articles]


def _check_one(checker: ClaimChecker, article: Article) -> list | Exception:
    try:
        return checker.check_article(article, checker.nlp(focus(article.text)))
    except Exception as exc:  # one article's failure is recorded, the run goes on
        return exc


def chunked(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class RunFiles:
    """The run's output files (claims, errors, optional summary), opened fresh or resumed at offsets."""

    def __init__(self, paths: dict[str, Path | None], offsets: dict | None = None):
        columns = {"claims": CLAIM_FIELDS, "summary": SUMMARY_FIELDS, "errors": ERROR_FIELDS}
        self.writers = {name: RecordWriter(path, columns[name], offsets.get(str(path)) if offsets else None)
                        for name, path in paths.items() if path is not None}

    def write(self, result: ChunkResult) -> None:
        self.writers["claims"].write_many(result.claims)
        self.writers["errors"].write_many(error_record(p) for p in result.problems)
        if "summary" in self.writers:
            self.writers["summary"].write_many(result.summaries)

    def sync(self) -> dict[str, int]:
        for writer in self.writers.values():
            writer.sync()
        return {str(w.path): w.offset() for w in self.writers.values()}

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def score_dump(in_path: Path, out_path: Path, settings: ScoreSettings = ScoreSettings(),
               summary_path: Path | None = None, errors_path: Path | None = None, *, engine: str = "local",
               jobs: int = 1, scheduler: str | None = None, chunk_size: int = CHUNK_SIZE, resume: bool = False,
               strict: bool = False, progress: bool = True, checkpoint_seconds: float = CHECKPOINT_SECONDS) -> Counts:
    """Score every article of a dump (file or folder); returns the accounting. See the module docstring."""
    check_input(in_path)
    paths = {"claims": Path(out_path), "summary": summary_path,
             "errors": Path(errors_path or Path(out_path).with_suffix(".errors.jsonl"))}
    identity = run_identity(in_path, text_field=settings.text_field, id_field=settings.id_field,
                            max_chars=settings.max_chars, outputs=sorted(str(p) for p in paths.values() if p))
    ckpt_file = checkpoint_path(out_path)
    ckpt = (load_checkpoint(ckpt_file, identity) if resume else None) or Checkpoint(identity)
    counts = Counts.from_dict(ckpt.counts)
    files = RunFiles(paths, ckpt.offsets if ckpt.records else None)
    records = islice(iter_records(in_path, settings.text_field), ckpt.records, None)
    with make_engine(engine, score_chunk, warm, settings, jobs, scheduler) as runner, \
            progress_bar(in_path, ckpt.records, progress) as bar:
        start = saved = time.perf_counter()
        for result in runner.map(chunked(records, chunk_size)):
            tally(result, counts, strict)
            files.write(result)
            if delay := float(os.environ.get(DELAY_ENV, 0)):
                time.sleep(delay)
            ckpt.records, ckpt.chunks = ckpt.records + result.records, ckpt.chunks + 1
            if time.perf_counter() - saved >= checkpoint_seconds:
                ckpt.counts, ckpt.offsets = counts.as_dict(), files.sync()
                save_checkpoint(ckpt_file, ckpt)
                saved = time.perf_counter()
            bar.set_postfix(scored=counts.scored, skipped=counts.skipped, errored=counts.errored,
                            claims=counts.claims, refresh=False)
            bar.update(result.records)
        counts.seconds = time.perf_counter() - start
    files.close()
    Path(out_path).with_suffix(".counts.json").write_text(json.dumps(counts.as_dict(), indent=2) + "\n")
    ckpt_file.unlink(missing_ok=True)
    return counts


def tally(result: ChunkResult, counts: Counts, strict: bool) -> None:
    for problem in result.problems:
        if strict and problem.status == "errored":
            raise StrictError(problem.message())
        counts.add(problem)
    counts.read += result.records
    counts.scored += result.scored
    counts.claims += len(result.claims)


def progress_bar(in_path: Path, done: int, progress: bool) -> tqdm:
    """A bar on stderr (articles/s and counts), only when stderr is a terminal and not --quiet."""
    show = progress and sys.stderr.isatty()
    total = _line_count(Path(in_path)) if show and Path(in_path).name.lower().endswith(".jsonl") else None
    return tqdm(total=total, initial=done, unit="article", disable=not show, file=sys.stderr, dynamic_ncols=True)


def _line_count(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 22), b""))
