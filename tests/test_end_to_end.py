import json

from conftest import FIXTURES, fast_params, run_cli


def test_train_evaluate_score(small_corpus, tmp_path):
    """The whole workflow through the CLI on a small corpus."""
    model, manifest = tmp_path / "m.joblib", tmp_path / "m.manifest.json"
    result = run_cli("train", "--corpus", small_corpus, "--model", model, "--manifest", manifest,
                     "--params", fast_params(tmp_path))
    assert result.returncode == 0, result.stderr
    result = run_cli("evaluate", "--corpus", small_corpus, "--model", model, "--manifest", manifest,
                     "--reports", tmp_path / "reports")
    assert result.returncode == 0, result.stderr
    assert "macro-F1" in result.stdout and "rules_only" in result.stdout and "model_only" in result.stdout
    report = json.loads((tmp_path / "reports" / "evaluation.json").read_text())
    assert set(report["hybrid"]["per_label"]) == {"accurate", "conflation", "exaggeration"}
    assert report["hybrid"]["macro_f1"] > 0.4  # a working model on a third of the data, far above chance
    assert (tmp_path / "reports" / "errors.csv").exists()
    result = run_cli("score", FIXTURES / "articles.jsonl", "-o", tmp_path / "c.jsonl", "--model", model,
                     "--manifest", manifest)
    assert result.returncode == 0 and (tmp_path / "c.jsonl").read_text().strip()
