"""The loaded toolkit that turns claims into verdicts: spaCy, patterns, facts, model and policy.

Heavy objects load once per process (`ClaimChecker.load`); the stages themselves stay pure
functions in extract, rules, model and decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sklearn.pipeline import Pipeline
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.config import FACTS_PATH, MANIFEST_PATH, MODEL_PATH, PATTERNS_PATH
from pipeline.decide import Policy, decide
from pipeline.extract import claims_from_texts, extract_batch
from pipeline.facts import FactBase, TrainedLinker, load_facts
from pipeline.model import ModelError, class_probabilities, load_model, model_input
from pipeline.nlp import load_nlp
from pipeline.rules import PatternSet, load_patterns, run_checks
from pipeline.schema import Article, Claim, RuleHit, Verdict

# Components extraction and the rules never read; disabling them roughly halves parse time.
UNUSED_COMPONENTS = ("ner",)


def rule_signals(spans: Iterable[Span | Doc], patterns: PatternSet, facts: FactBase) -> list[list[RuleHit]]:
    """The rule hits of each claim span."""
    return [run_checks(patterns.find(span), facts) for span in spans]


@dataclass
class ClaimChecker:
    nlp: Language
    patterns: PatternSet
    facts: FactBase
    linker: TrainedLinker
    model: Pipeline
    detector: Pipeline
    stance_model: Pipeline
    manifest: dict
    policy: Policy

    @classmethod
    def load(cls, model_path: Path = MODEL_PATH, manifest_path: Path = MANIFEST_PATH,
             facts_path: Path = FACTS_PATH, patterns_path: Path = PATTERNS_PATH) -> ClaimChecker:
        models, manifest = load_model(model_path, manifest_path)
        if "linker" not in models:
            raise ModelError(f"{model_path}: trained before the fact linker was part of the model; retrain with "
                             "`make train`")
        nlp = load_nlp(UNUSED_COMPONENTS)
        facts = load_facts(facts_path)
        return cls(nlp, PatternSet(nlp, load_patterns(patterns_path)), facts, models["linker"],
                   models["classifier"], models["detector"], models["stance"], manifest, Policy.from_manifest(manifest))

    def judge(self, claims: Sequence[Claim], spans: Sequence[Span | Doc]) -> list[Verdict]:
        """Verdicts for claims whose parsed spans are given."""
        if not claims:
            return []
        hits = rule_signals(spans, self.patterns, self.facts)
        frame = model_input([c.text for c in claims], [c.context for c in claims], hits)
        probs = class_probabilities(self.model, frame)
        linked = self.linker.link(frame["text"].tolist())  # the text as the classifier reads it
        return [decide(p, h, c.stance, lk, self.policy) for p, h, c, lk in zip(probs, hits, claims, linked)]

    def classify_texts(self, texts: Sequence[str], batch_size: int = 256) -> list[tuple[Claim, Verdict]]:
        """Verdicts for claim sentences given on their own."""
        docs = list(self.nlp.pipe(texts, batch_size=batch_size))
        claims = claims_from_texts(list(texts), docs, self.stance_model)
        return list(zip(claims, self.judge(claims, docs)))

    def check_articles(self, articles: Iterable[Article], batch_size: int = 32
                       ) -> Iterator[tuple[Article, list[tuple[Claim, Verdict]]]]:
        """Each article with its claims and verdicts, parsing in batches (nlp.pipe)."""
        batch: list[tuple[Article, Doc]] = []
        pairs = ((a.text, a) for a in articles)
        for doc, article in self.nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            batch.append((article, doc))
            if len(batch) == batch_size:
                yield from zip([a for a, _ in batch], self.check_parsed(batch))
                batch = []
        if batch:
            yield from zip([a for a, _ in batch], self.check_parsed(batch))

    def check_article(self, article: Article, doc: Doc | None = None) -> list[tuple[Claim, Verdict]]:
        """The claims of one article with their verdicts."""
        return self.check_parsed([(article, doc if doc is not None else self.nlp(article.text))])[0]

    def check_parsed(self, batch: list[tuple[Article, Doc]]) -> list[list[tuple[Claim, Verdict]]]:
        """Claims and verdicts for parsed articles; the models run once over the whole batch."""
        articles, docs = [a for a, _ in batch], [d for _, d in batch]
        per_article = extract_batch(articles, docs, self.patterns, self.detector, self.policy.detector_threshold,
                                    self.stance_model)
        claims = [c for cs in per_article for c in cs]
        spans = [doc.char_span(c.start, c.end, alignment_mode="expand")
                 for doc, cs in zip(docs, per_article) for c in cs]
        verdicts = iter(self.judge(claims, spans))
        out = []
        for article, cs in zip(articles, per_article):
            kept = [(c, v) for c, v in zip(cs, verdicts) if v.not_a_claim < self.policy.not_a_claim_threshold]
            out.append([(replace(c, claim_id=f"{article.id}:{n}"), v) for n, (c, v) in enumerate(kept, 1)])
        return out
