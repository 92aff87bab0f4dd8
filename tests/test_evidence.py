"""Evidence: a dozen sentences of each label and subtype, none from the corpus, each with the fact its
writer would cite (`fixtures/evidence.csv`). They go through the shipped rule checks, fact linker and
`decide`, with the model's vote set to the gold class so that only the evidence is under test."""

import csv
from collections import Counter

import pytest
from conftest import FIXTURES

from pipeline.checker import rule_signals
from pipeline.decide import Policy, decide
from pipeline.model import model_input
from pipeline.schema import ALL_CLASSES, Label, Relation, Stance, class_name

with open(FIXTURES / "evidence.csv", newline="", encoding="utf-8") as fh:
    CASES = list(csv.DictReader(fh))
CLASSES = [class_name(Label(c["label"]), c["subtype"]) for c in CASES]

# Besides the writer's fact, the facts that contradict every claim of a myth family: a fact-checker may
# cite any of them ("one national database" breaks F03, F07, F23 and F30 alike).
FAMILY = {
    "conflation/sesame_vs_government": {"F12"},
    "conflation/score_vs_blacklist": {"F19", "F28"},
    "conflation/other": {"F03", "F07", "F23"},
    "exaggeration/universal_scoring": {"F30"},
    "exaggeration/mandatory": {"F14", "F30"},
    "exaggeration/unified_system": {"F03", "F07", "F23", "F30"},
    "exaggeration/surveillance": {"F20", "F30", "F34"},
    "exaggeration/severity": {"F19", "F27", "F34"},
}


@pytest.fixture(scope="module")
def judged(checker):
    texts = [c["text"] for c in CASES]
    hits = rule_signals(checker.nlp.pipe(texts), checker.patterns, checker.facts)
    linked = checker.linker.link(model_input(texts, [""] * len(texts), hits)["text"].tolist())
    policy = Policy(max_evidence=checker.policy.max_evidence)  # no rule overrides: the gold label stands
    verdicts = [decide({cls: 1.0}, h, Stance(c["stance"]), lk, policy)
                for c, cls, h, lk in zip(CASES, CLASSES, hits, linked)]
    return hits, verdicts, policy


def cites(case: dict, cls: str, evidence: tuple) -> bool:
    relation = Relation.SUPPORTS if case["label"] == Label.ACCURATE.value else Relation.CONTRADICTS
    return any((fid, relation) in evidence for fid in {case["fact_id"], *FAMILY.get(cls, ())})


def test_a_dozen_sentences_of_each_label_and_subtype():
    assert Counter(CLASSES) == dict.fromkeys(ALL_CLASSES, 12)


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_the_evidence_cites_the_right_fact_with_its_relation(judged, cls):
    """At least 11 of the 12 sentences cite their fact (or one of its family) with the relation the label
    implies: `supports` for accurate claims, `contradicts` for myths."""
    _, verdicts, _ = judged
    misses = [(c["text"], [f"{f}:{r.value}" for f, r in v.evidence])
              for c, k, v in zip(CASES, CLASSES, verdicts) if k == cls and not cites(c, k, v.evidence)]
    assert len(misses) <= 1, misses


def test_a_claim_without_evidence_goes_to_review(judged):
    _, verdicts, _ = judged
    assert all(v.needs_review for v in verdicts if not v.evidence)


def test_a_rule_that_names_the_label_puts_its_facts_and_name_in_the_output(judged):
    hits, verdicts, policy = judged
    agreeing = [(h, v) for claim_hits, v in zip(hits, verdicts) for h in claim_hits if h.label is v.label]
    assert len(agreeing) >= 30  # the rules fire on a good share of these sentences
    for hit, verdict in agreeing:  # a hit's facts come first, so only a full evidence list can leave one out
        assert hit.rule in verdict.rules
        cited = [f for f, _ in verdict.evidence]
        assert set(hit.fact_ids) <= set(cited) or len(cited) == policy.max_evidence, (hit, verdict.evidence)
