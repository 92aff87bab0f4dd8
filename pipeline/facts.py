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


class TrainedLinker:
    """Links a claim to the facts it states or contradicts: one logistic regression per fact over word and
    character TF-IDF, fitted on the annotated fact ids of the training claims. A fact is linked when its
    probability reaches `threshold`, at most `top_k`, best first.

    Settings chosen by grouped 5-fold CV on the training split (C 5, threshold 0.5, top 2): a gold fact
    is among those linked for 0.867 of the claims and 0.801 of the linked facts are gold, against 0.640
    and 0.419 for the TF-IDF similarity to the fact statements that linked facts before.
    """

    def __init__(self, fact_ids: list[str], C: float, threshold: float, top_k: int, seed: int = 0):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import FeatureUnion, Pipeline

        self.ids, self.threshold, self.top_k = list(fact_ids), threshold, top_k
        self.model = Pipeline([
            ("features", FeatureUnion([
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
            ])),
            ("facts", OneVsRestClassifier(LogisticRegression(C=C, max_iter=2000, class_weight="balanced",
                                                             random_state=seed))),
        ])

    def fit(self, texts: list[str], fact_ids: list[list[str]]) -> TrainedLinker:
        """Fit on claims and their gold fact ids (a fact no training claim cites is never linked)."""
        from sklearn.preprocessing import MultiLabelBinarizer

        binarizer = MultiLabelBinarizer(classes=self.ids)
        targets = binarizer.fit_transform(fact_ids)
        cited = targets.any(axis=0)
        self.ids = [fid for fid, c in zip(self.ids, cited) if c]
        self.model.fit(texts, targets[:, cited])
        return self

    def link(self, texts: list[str]) -> list[list[str]]:
        """For each text, the ids of its linked facts, best first."""
        if not texts:
            return []
        proba = self.model.predict_proba(texts)
        out = []
        for row in proba:
            order = sorted(range(len(row)), key=lambda j: (-row[j], j))[: self.top_k]
            out.append([self.ids[j] for j in order if row[j] >= self.threshold])
        return out
