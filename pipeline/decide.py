"""Decide: model probabilities + rule hits + linked facts -> one Verdict with reason and evidence.

The whole decision logic lives here:
1. The model proposes: the label whose classes carry the most probability, then its likeliest subtype.
   The choice is made on the model's own probabilities; the calibration temperature (fitted on
   out-of-fold predictions) only sets the confidence and the not-a-claim probability, so
   calibrating never changes a label.
   A claim whose stance is `refuted` is never `accurate`: the spec labels it by the proposition it
   rejects, so the model's likeliest other label stands (grouped CV on the training split, with
   out-of-fold stances: macro-F1 0.871 -> 0.874).
2. A rule overrides the model only when its precision, measured on the training split, is at least
   `override_precision` over at least `min_rule_support` claims and beats the model's own out-of-fold
   accuracy on the claims where the rule fires (so the model's confidence there is the less reliable).
   A rule naming `accurate` never overrides on a refuted claim (see 1). Otherwise rules only inform
   (they are already features of the model).
3. Evidence: the facts cited by hits that agree with the final label (and by number checks), then
   the facts the linker finds, marked `supports` for accurate claims and `contradicts` otherwise.
4. Extraction drops a candidate the classifier finds more likely no claim at all (the `none` class,
   learned from the hard non-claims) than `not_a_claim_threshold`; `classify` never drops a row.
5. `needs_review` when confidence is below `review_threshold` (chosen on out-of-fold predictions of
   the training split, with out-of-fold stances, never on the test split) or no fact is linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.model import temper_dict
from pipeline.schema import NOT_A_CLAIM, Label, Relation, RuleHit, Stance, Verdict, parse_class

MYTH_LABELS = (Label.CONFLATION, Label.EXAGGERATION)  # what a refuted claim can be


@dataclass(frozen=True)
class Policy:
    review_threshold: float = 0.5
    override_precision: float = 0.9
    min_rule_support: int = 10
    rule_precision: dict[str, list] = field(default_factory=dict, hash=False)  # rule -> [precision, support]
    max_evidence: int = 4
    not_a_claim_threshold: float = 0.5
    detector_threshold: float = 0.5
    temperature: float = 1.0

    @classmethod
    def from_manifest(cls, manifest: dict) -> Policy:
        return cls(**manifest["policy"])


def claim_probabilities(probs: dict[str, float]) -> tuple[dict[str, float], float]:
    """The label classes renormalised without the not-a-claim class, and that class's probability."""
    p_none = probs.get(NOT_A_CLAIM, 0.0)
    rest = {k: v for k, v in probs.items() if k != NOT_A_CLAIM}
    total = sum(rest.values()) or 1.0
    return {k: v / total for k, v in rest.items()}, p_none


def label_probabilities(probs: dict[str, float]) -> dict[Label, float]:
    totals = dict.fromkeys(Label, 0.0)
    for name, p in probs.items():
        totals[parse_class(name)[0]] += p
    return totals


def model_choice(probs: dict[str, float], allowed: tuple[Label, ...] = tuple(Label)) -> tuple[Label, str, float]:
    """The allowed label with the most probability mass, its likeliest subtype, and that mass."""
    probs = claim_probabilities(probs)[0]
    totals = label_probabilities(probs)
    label = max(allowed, key=lambda lab: (totals[lab], -list(Label).index(lab)))
    subtypes = sorted(((p, name) for name, p in probs.items() if parse_class(name)[0] is label), reverse=True)
    return label, parse_class(subtypes[0][1])[1], totals[label]


def overriding_rule(hits: list[RuleHit], policy: Policy,
                    allowed: tuple[Label, ...] = tuple(Label)) -> tuple[RuleHit, float] | None:
    best = None
    for hit in hits:
        if hit.label not in allowed:  # also a hit naming no label
            continue
        precision, support, model_accuracy = (*policy.rule_precision.get(hit.rule, (0.0, 0)), 1.0)[:3]
        justified = precision >= policy.override_precision and precision > model_accuracy
        if justified and support >= policy.min_rule_support:
            if best is None or precision > best[1]:
                best = (hit, precision)
    return best


def collect_evidence(label: Label, hits: list[RuleHit], linked: list[str], limit: int) -> tuple:
    relation = Relation.SUPPORTS if label is Label.ACCURATE else Relation.CONTRADICTS
    evidence: dict[str, Relation] = {}
    for hit in hits:
        if hit.label is None or hit.label is label:
            for fid in hit.fact_ids:
                evidence.setdefault(fid, hit.relation)
    for fid in linked:
        evidence.setdefault(fid, relation)
    return tuple(list(evidence.items())[:limit])


def decide(probs: dict[str, float], hits: list[RuleHit], stance: Stance, linked: list[str],
           policy: Policy) -> Verdict:
    """One claim's verdict from the model's (uncalibrated) class probabilities; see the module docstring."""
    calibrated, p_none = claim_probabilities(temper_dict(probs, policy.temperature))
    allowed = MYTH_LABELS if stance is Stance.REFUTED else tuple(Label)
    label, subtype, _ = model_choice(probs)
    refuted_accurate = label not in allowed
    if refuted_accurate:
        label, subtype, _ = model_choice(probs, allowed)
    confidence = label_probabilities(calibrated)[label]
    reason = f"model {label.value}{'/' + subtype if subtype else ''} p={confidence:.2f}"
    if refuted_accurate:
        reason += " (refuted, so the rejected myth's label rather than accurate)"
    if override := overriding_rule(hits, policy, allowed):
        hit, precision = override
        if (hit.label, hit.subtype) != (label, subtype):
            reason = f"rule {hit.rule} (precision {precision:.2f}) over {reason}"
        label, subtype, confidence = hit.label, hit.subtype, precision
    evidence = collect_evidence(label, hits, linked, policy.max_evidence)
    needs_review = confidence < policy.review_threshold or not evidence
    return Verdict(label, subtype, stance, confidence, evidence, tuple(h.rule for h in hits),
                   needs_review, reason, p_none)
