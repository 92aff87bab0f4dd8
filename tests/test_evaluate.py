from pipeline.decide import Policy
from pipeline.evaluate import class_correct, label_correct, rules_only, scores
from pipeline.schema import Label, Relation, RuleHit


def test_predicates():
    assert label_correct("conflation/other", "conflation/score_vs_blacklist")
    assert not class_correct("conflation/other", "conflation/score_vs_blacklist")
    assert not label_correct("accurate", "exaggeration/mandatory")


def test_scores_by_hand():
    gold = ["accurate", "accurate", "conflation/other", "exaggeration/severity"]
    pred = ["accurate", "conflation/other", "conflation/other", "exaggeration/severity"]
    s = scores(gold, pred)
    # accurate: P 1/1, R 1/2 -> F1 2/3; conflation: P 1/2, R 1 -> 2/3; exaggeration: 1
    assert s["per_label"]["accurate"]["f1"] == round(2 / 3, 4)
    assert s["per_label"]["conflation"]["precision"] == 0.5
    assert s["macro_f1"] == round((2 / 3 + 2 / 3 + 1) / 3, 4)
    assert s["accuracy"] == 0.75
    assert s["confusion"]["matrix"] == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_rules_only_takes_most_precise_labelling_rule():
    hits = [RuleHit("a", Label.EXAGGERATION, "mandatory", (), Relation.CONTRADICTS),
            RuleHit("b", Label.CONFLATION, "other", (), Relation.CONTRADICTS),
            RuleHit("c", None, "", (), Relation.CONTRADICTS)]
    policy = Policy(rule_precision={"a": [0.6, 20], "b": [0.8, 20]})
    assert rules_only(hits, policy) == "conflation/other"
    assert rules_only([], policy) == "accurate"
