"""The fact base: atomic, id-ed facts of the reference article that rules and evidence cite."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import FACTS_PATH
from pipeline.schema import Fact


class DataError(ValueError):
    """A data file is malformed; the message names the file, line and reason."""


@dataclass(frozen=True)
class FactBase:
    facts: dict[str, Fact]

    def __contains__(self, fact_id: str) -> bool:
        return fact_id in self.facts

    def __getitem__(self, fact_id: str) -> Fact:
        return self.facts[fact_id]

    def __iter__(self):
        return iter(self.facts.values())

    def __len__(self) -> int:
        return len(self.facts)

    def statement(self, fact_id: str) -> str:
        return self.facts[fact_id].statement


REQUIRED = ("id", "topic", "statement", "entities", "numbers", "contradicts")


def load_facts(path: Path = FACTS_PATH) -> FactBase:
    """Read and validate the fact base (JSON lines)."""
    facts: dict[str, Fact] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
            missing = [k for k in REQUIRED if k not in rec]
            if missing:
                raise DataError(f"{path}:{lineno}: missing field(s) {', '.join(missing)}")
            if rec["id"] in facts:
                raise DataError(f"{path}:{lineno}: duplicate fact id {rec['id']}")
            facts[rec["id"]] = Fact(
                id=rec["id"],
                topic=rec["topic"],
                statement=rec["statement"],
                entities=tuple(rec["entities"]),
                numbers=dict(rec["numbers"]),
                contradicts=tuple(rec["contradicts"]),
                source=rec.get("source", ""),
            )
    return FactBase(facts)


class FactLinker:
    """Links a claim to the facts it talks about by TF-IDF similarity with each fact's
    statement, entities and the myths it contradicts."""

    def __init__(self, facts: FactBase, min_similarity: float = 0.12, top_k: int = 2):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.ids = [f.id for f in facts]
        docs = [" ".join([f.statement, *f.entities, *f.contradicts]) for f in facts]
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
        self.matrix = self.vectorizer.fit_transform(docs)
        self.min_similarity = min_similarity
        self.top_k = top_k

    def link(self, texts: list[str]) -> list[list[str]]:
        """For each text, the ids of its most similar facts, best first."""
        if not texts:
            return []
        sims = (self.vectorizer.transform(texts) @ self.matrix.T).toarray()
        out = []
        for row in sims:
            order = sorted(range(len(row)), key=lambda j: (-row[j], j))[: self.top_k]
            out.append([self.ids[j] for j in order if row[j] >= self.min_similarity])
        return out
