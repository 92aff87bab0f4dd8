from pipeline.decide import Policy, decide, model_choice
from pipeline.schema import Label, Relation, RuleHit, Stance

PROBS = {"accurate": 0.30, "conflation/sesame_vs_government": 0.25, "conflation/score_vs_blacklist": 0.20,
         "exaggeration/universal_scoring": 0.25}
HIT = RuleHit("every_citizen_scored", Label.EXAGGERATION, "universal_scoring", ("F30",), Relation.CONTRADICTS)


def test_model_choice_sums_subtypes_into_labels():
    assert model_choice(PROBS) == (Label.CONFLATION, "sesame_vs_government", 0.45)


def test_precise_rule_overrides_an_unsure_model():
    policy = Policy(0.5, 0.9, 10, {"every_citizen_scored": [0.95, 40, 0.6]})
    verdict = decide(PROBS, [HIT], Stance.ASSERTED, [], policy)
    assert (verdict.label, verdict.subtype, verdict.confidence) == (Label.EXAGGERATION, "universal_scoring", 0.95)
    assert verdict.evidence == (("F30", Relation.CONTRADICTS),)
    assert "rule every_citizen_scored" in verdict.reason and not verdict.needs_review


def test_imprecise_or_rare_rule_only_informs():
    for precision in ({"every_citizen_scored": [0.7, 40, 0.6]}, {"every_citizen_scored": [0.99, 3, 0.6]},
                      {"every_citizen_scored": [0.95, 40, 0.97]}):  # imprecise, rare, or no better than the model
        verdict = decide(PROBS, [HIT], Stance.ASSERTED, ["F12"], Policy(0.5, 0.9, 10, precision))
        assert verdict.label is Label.CONFLATION
        assert verdict.rules == ("every_citizen_scored",)
        assert verdict.evidence == (("F12", Relation.CONTRADICTS),)
        assert verdict.needs_review  # 0.45 < 0.5


def test_no_evidence_means_review_and_accurate_supports():
    verdict = decide({"accurate": 0.9, "conflation/other": 0.1}, [], Stance.HEDGED, [], Policy(0.5))
    assert verdict.needs_review and verdict.stance is Stance.HEDGED
    verdict = decide({"accurate": 0.9, "conflation/other": 0.1}, [], Stance.ASSERTED, ["F19"], Policy(0.5))
    assert verdict.evidence == (("F19", Relation.SUPPORTS),) and not verdict.needs_review


def test_calibration_sets_confidence_but_never_the_label():
    # sharpened (T=0.3), accurate's single class would outweigh conflation's two subtypes together;
    # the label is still chosen on the model's own probabilities, only the confidence is calibrated
    verdict = decide(PROBS, [], Stance.ASSERTED, ["F12"], Policy(0.5, temperature=0.3))
    assert (verdict.label, verdict.subtype) == (Label.CONFLATION, "sesame_vs_government")
    assert 0.30 < verdict.confidence < 0.40  # 0.45 untempered
    softened = decide(PROBS, [], Stance.ASSERTED, ["F12"], Policy(0.5, temperature=3.0))
    assert softened.label is Label.CONFLATION and 0.45 < softened.confidence < 0.55


def test_a_refuted_claim_takes_the_rejected_myths_label_never_accurate():
    probs = {"accurate": 0.6, "conflation/score_vs_blacklist": 0.15, "exaggeration/severity": 0.25}
    asserted = decide(probs, [], Stance.ASSERTED, ["F19"], Policy(0.5))
    assert asserted.label is Label.ACCURATE and "refuted" not in asserted.reason
    refuted = decide(probs, [], Stance.REFUTED, ["F19"], Policy(0.5))
    assert (refuted.label, refuted.subtype, refuted.confidence) == (Label.EXAGGERATION, "severity", 0.25)
    assert refuted.evidence == (("F19", Relation.CONTRADICTS),) and refuted.needs_review
    assert "refuted" in refuted.reason
    # a refuted claim the model already gives a myth's label is untouched
    assert decide(PROBS, [], Stance.REFUTED, ["F12"], Policy(0.5)).label is Label.CONFLATION


def test_a_rule_naming_accurate_never_overrides_on_a_refuted_claim():
    negated = RuleHit("one_national_score:negated", Label.ACCURATE, "", ("F30",), Relation.SUPPORTS)
    policy = Policy(0.5, 0.9, 10, {"one_national_score:negated": [0.95, 40, 0.8]})
    probs = {"accurate": 0.3, "exaggeration/unified_score": 0.7}
    assert decide(probs, [negated], Stance.ASSERTED, [], policy).label is Label.ACCURATE  # overrides
    refuted = decide(probs, [negated], Stance.REFUTED, ["F30"], policy)
    assert (refuted.label, refuted.subtype, refuted.confidence) == (Label.EXAGGERATION, "unified_score", 0.7)
    assert "rule" not in refuted.reason and refuted.rules == ("one_national_score:negated",)
    # a myth-naming rule still overrides a refuted claim
    assert decide(PROBS, [HIT], Stance.REFUTED, [], Policy(0.5, 0.9, 10, {"every_citizen_scored": [0.95, 40, 0.6]})
                  ).subtype == "universal_scoring"
