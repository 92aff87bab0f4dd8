import json

import pytest
from conftest import run_cli

from pipeline.checker import ClaimChecker
from pipeline.model import ModelError, load_model, sha256_of

TEXTS = ["Sesame Credit is the government's social credit score.",
         "A low Sesame score gets you banned from flights.",
         "There is no single national citizen score.",
         "Every one of China's 1.4 billion people has a score."]


def test_manifest_records_what_was_trained(small_model):
    model_path, manifest_path = small_model
    manifest = json.loads(manifest_path.read_text())
    assert manifest["sha256"] == sha256_of(model_path)
    for key in ("corpus_sha256", "facts_sha256", "libraries", "params", "classes", "cv", "policy"):
        assert key in manifest
    assert manifest["libraries"]["scikit-learn"] and 0 <= manifest["policy"]["review_threshold"] <= 1


def test_training_is_deterministic(small_model, small_corpus, tmp_path):
    """A second training, in another process, writes the same bytes and so the same verdicts."""
    params = small_model[1].parent / "params.json"
    second = (tmp_path / "m.joblib", tmp_path / "m.json")
    result = run_cli("train", "--corpus", small_corpus, "--params", params, "--model", second[0],
                     "--manifest", second[1])
    assert result.returncode == 0, result.stderr
    assert sha256_of(second[0]) == sha256_of(small_model[0])
    a = [v.fields() for _, v in ClaimChecker.load(*small_model).classify_texts(TEXTS)]
    b = [v.fields() for _, v in ClaimChecker.load(*second).classify_texts(TEXTS)]
    assert a == b


def test_tampered_model_is_refused(small_model, tmp_path):
    model_path, manifest_path = small_model
    copy = tmp_path / "claims.joblib"
    copy.write_bytes(model_path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_model(copy, manifest_path)


def test_missing_manifest_is_refused(small_model, tmp_path):
    with pytest.raises(ModelError, match="manifest missing"):
        load_model(small_model[0], tmp_path / "none.json")


def test_negation_scope_marks_words_until_the_clause_ends():
    from pipeline.model import negation_tokens

    assert negation_tokens("There is no single national score, but Sesame exists.") == [
        "there", "is", "NEG", "NEG_single", "NEG_national", "NEG_score", "sesame", "exists"]
    # contractions and curly apostrophes negate; "only" ends the scope
    assert negation_tokens("Sesame scores don\u2019t block flights; only the court list does.") == [
        "sesame", "scores", "NEG", "NEG_block", "NEG_flights", "the", "court", "list", "does"]
    asserted, denied = negation_tokens("A low score bans you."), negation_tokens("A low score never bans you.")
    assert set(asserted) & set(denied) == {"a", "low", "score"}


def test_the_review_threshold_is_chosen_on_verdicts_with_their_stances():
    from pipeline.schema import Label, Stance
    from pipeline.train import decision_policy

    # the model calls every claim accurate; two of them are refuted myths, which decide relabels
    oof = [{"accurate": 0.8, "exaggeration/unified_system": 0.2}] * 4
    y = ["accurate", "accurate", "exaggeration/unified_system", "exaggeration/unified_system"]
    params = {"override_precision": 0.9, "min_rule_support": 10, "target_precision": 0.9}
    stances = [Stance.ASSERTED, Stance.ASSERTED, Stance.REFUTED, Stance.REFUTED]
    verdicts, policy = decision_policy(oof, [[]] * 4, y, params, 1.0, stances)
    assert [v.label for v in verdicts] == [Label.ACCURATE] * 2 + [Label.EXAGGERATION] * 2
    assert policy["review_threshold"] <= 0.3  # all four right, so no confidence needs holding back
    verdicts, policy = decision_policy(oof, [[]] * 4, y, params, 1.0, [Stance.ASSERTED] * 4)
    assert [v.label for v in verdicts] == [Label.ACCURATE] * 4
    assert policy["review_threshold"] == 0.95  # half wrong at every confidence
