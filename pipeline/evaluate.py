"""Evaluation on the grouped held-out split: the hybrid and its rules-only and model-only ablations.

Per-claim predicates (`label_correct`, `class_correct`) plus one aggregate (`scores`), as FEVER's
scorer does; metrics themselves come from scikit-learn.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from pipeline.checker import ClaimChecker
from pipeline.config import ARTICLES_PATH, CLAIMS_PATH, MANIFEST_PATH, MODEL_PATH, NONCLAIMS_PATH, REPORTS_DIR
from pipeline.corpus import fact_id_list, file_sha256, load_articles, load_claims, spans_match
from pipeline.decide import Policy, model_choice
from pipeline.model import (
    build_pipeline,
    candidate_params,
    class_probabilities,
    expected_calibration_error,
    text_only,
)
from pipeline.outputs import write_table
from pipeline.schema import Article, Label, RuleHit, Stance, Verdict, class_name
from pipeline.train import classifier_rows, featurize

LABELS = [lab.value for lab in Label]


def label_correct(gold: str, predicted: str) -> bool:
    """Gold and predicted classes ('label' or 'label/subtype') agree on the label."""
    return gold.partition("/")[0] == predicted.partition("/")[0]


def class_correct(gold: str, predicted: str) -> bool:
    """They agree on label and subtype."""
    return gold == predicted


def scores(gold: list[str], predicted: list[str]) -> dict:
    """Per-label precision/recall/F1, macro-F1, subtype-level macro-F1 and the label confusion matrix."""
    g = [x.partition("/")[0] for x in gold]
    p = [x.partition("/")[0] for x in predicted]
    prec, rec, f1, support = precision_recall_fscore_support(g, p, labels=LABELS, zero_division=0)
    classes = sorted(set(gold) | set(predicted))
    sub_f1 = precision_recall_fscore_support(gold, predicted, labels=classes, zero_division=0)[2]
    return {
        "n": len(gold),
        "accuracy": round(sum(map(label_correct, gold, predicted)) / max(len(gold), 1), 4),
        "macro_f1": round(float(f1.mean()), 4),
        "per_label": {lab: {"precision": round(float(a), 4), "recall": round(float(b), 4),
                            "f1": round(float(c), 4), "support": int(d)}
                      for lab, a, b, c, d in zip(LABELS, prec, rec, f1, support)},
        "subtype_macro_f1": round(float(sub_f1.mean()), 4),
        "per_class_f1": {c: round(float(v), 4) for c, v in zip(classes, sub_f1)},
        "confusion": {"labels": LABELS, "matrix": confusion_matrix(g, p, labels=LABELS).tolist()},
    }


def rules_only(hits: list[RuleHit], policy: Policy) -> str:
    """The label of the most precise labelling rule that fired; 'accurate' when none did."""
    labelled = [h for h in hits if h.label is not None]
    if not labelled:
        return Label.ACCURATE.value
    best = max(labelled, key=lambda h: policy.rule_precision.get(h.rule, [0.0, 0])[0])
    return class_name(best.label, best.subtype)


def evaluate(claims_path: Path = CLAIMS_PATH, model_path: Path = MODEL_PATH,
             manifest_path: Path = MANIFEST_PATH, reports_dir: Path = REPORTS_DIR,
             articles_path: Path = ARTICLES_PATH) -> dict:
    checker = ClaimChecker.load(model_path, manifest_path)
    corpus = load_claims(claims_path, checker.facts)
    stale = file_sha256(claims_path) != checker.manifest["corpus_sha256"]
    train_rows = corpus[corpus["split"] == "train"].reset_index(drop=True)
    test_rows = corpus[corpus["split"] == "test"].reset_index(drop=True)

    verdicts = [v for _, v in checker.classify_texts(test_rows["text"].tolist())]
    gold = test_rows["target"].tolist()
    hybrid = [class_name(v.label, v.subtype) for v in verdicts]
    _, hits = featurize(test_rows, checker.patterns, checker.facts)
    rules = [rules_only(h, checker.policy) for h in hits]
    model = model_only(checker, corpus, test_rows, articles_path)

    report = {
        "held_out_claims": len(test_rows), "train_claims": len(train_rows),
        "held_out_groups": int(test_rows["group"].nunique()), "model_trained_on_this_corpus": not stale,
        "hybrid": scores(gold, hybrid), "rules_only": scores(gold, rules), "model_only": scores(gold, model),
        "review": review_stats(gold, verdicts),
        "evidence": evidence_stats(test_rows["fact_ids"].tolist(), verdicts),
        "top_confusions": top_confusions(gold, hybrid),
        "rules": rule_summary(hits, gold),
    }
    if articles_path.exists():
        held_out = [a for a in load_articles(articles_path, checker.facts) if a["split"] == "test"]
        report["extraction"] = extraction_scores(held_out, predict_articles(checker, held_out))
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / "evaluation.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    write_errors(reports_dir / "errors.csv", test_rows, hybrid, verdicts)
    (reports_dir / "evaluation.md").write_text(render(report), encoding="utf-8")
    return report


def top_confusions(gold: list[str], predicted: list[str], n: int = 5) -> list[list]:
    """The n most common (gold, predicted) class pairs among the errors."""
    pairs = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    return [[g, p, k] for (g, p), k in pairs.most_common(n)]


def rule_summary(hits: list[list[RuleHit]], gold: list[str]) -> dict[str, dict]:
    """Per labelling rule on the held-out claims: coverage (share fired) and precision (label and subtype)."""
    fired: dict[str, list[bool]] = {}
    for claim_hits, target in zip(hits, gold):
        for hit in claim_hits:
            if hit.label is not None:
                fired.setdefault(hit.rule, []).append(class_correct(target, class_name(hit.label, hit.subtype)))
    return {rule: {"coverage": round(len(v) / max(len(gold), 1), 4), "precision": round(sum(v) / len(v), 4),
                   "fired": len(v)} for rule, v in sorted(fired.items())}


def model_only(checker: ClaimChecker, corpus: pd.DataFrame, test_rows: pd.DataFrame, articles_path: Path) -> list[str]:
    """The ablation: the chosen classifier family on text alone, trained on the same rows."""
    params = checker.manifest["params"]
    chosen = next(c for c in candidate_params(params) if c["name"] == checker.manifest["chosen"])
    train_articles = [a for a in load_articles(articles_path) if a["split"] == "train"]
    nonclaims = pd.read_csv(NONCLAIMS_PATH, dtype=str, keep_default_na=False)
    rows = classifier_rows(corpus, train_articles, checker.patterns, nonclaims)
    X_train, _ = featurize(rows, checker.patterns, checker.facts)
    X_test, _ = featurize(test_rows, checker.patterns, checker.facts)
    text_model = build_pipeline(text_only(chosen)).fit(X_train, rows["target"].tolist())
    return [class_name(*model_choice(p)[:2]) for p in class_probabilities(text_model, X_test)]


def review_stats(gold: list[str], verdicts: list[Verdict]) -> dict:
    kept = [(g, v) for g, v in zip(gold, verdicts) if not v.needs_review]
    right = sum(label_correct(g, class_name(v.label, v.subtype)) for g, v in kept)
    correct = [label_correct(g, class_name(v.label, v.subtype)) for g, v in zip(gold, verdicts)]
    return {"abstention_rate": round(1 - len(kept) / max(len(gold), 1), 4),
            "precision_of_kept": round(right / max(len(kept), 1), 4),
            "ece": round(expected_calibration_error([v.confidence for v in verdicts], correct), 4)}


def evidence_stats(gold_fact_ids: list[str], verdicts: list[Verdict]) -> dict:
    """Against the annotated fact ids: the share of claims whose evidence cites one of them, the share of
    cited facts that are annotated, and the share of claims with no evidence at all."""
    cites_gold, precision, empty, n = 0, [], 0, 0
    for ids, verdict in zip(gold_fact_ids, verdicts):
        gold = set(fact_id_list(ids))
        if not gold:
            continue
        n += 1
        cited = {f for f, _ in verdict.evidence}
        cites_gold += bool(gold & cited)
        empty += not cited
        if cited:
            precision.append(len(gold & cited) / len(cited))
    return {"claims_with_gold_facts": n, "cites_a_gold_fact": round(cites_gold / max(n, 1), 4),
            "precision_of_cited": round(sum(precision) / max(len(precision), 1), 4),
            "no_evidence": round(empty / max(n, 1), 4)}


def write_errors(path: Path, rows: pd.DataFrame, predicted: list[str], verdicts: list[Verdict]) -> None:
    errors = [
        {"id": r.id, "text": r.text, "gold": r.target, "predicted": p, "stance": r.stance,
         "confidence": round(v.confidence, 4), "rules": ";".join(v.rules),
         "evidence": ";".join(f"{f}:{rel.value}" for f, rel in v.evidence), "reason": v.reason}
        for r, p, v in zip(rows.itertuples(), predicted, verdicts) if not class_correct(r.target, p)
    ]
    columns = ["id", "text", "gold", "predicted", "stance", "confidence", "rules", "evidence", "reason"]
    write_table(errors, path, columns)


def render(report: dict) -> str:
    lines = [f"Held-out split: {report['held_out_claims']} claims in {report['held_out_groups']} groups "
             f"(trained on {report['train_claims']})", ""]
    if not report["model_trained_on_this_corpus"]:
        lines.append("WARNING: the model was trained on another version of the corpus; run `make train`.")
    lines.append(f"{'system':<12} {'macro-F1':>8} {'acc':>6} " + " ".join(f"{lab[:5] + ' F1':>9}" for lab in LABELS)
                 + f" {'subtype-F1':>10}")
    for system in ("hybrid", "rules_only", "model_only"):
        s = report[system]
        lines.append(f"{system:<12} {s['macro_f1']:>8.3f} {s['accuracy']:>6.3f} "
                     + " ".join(f"{s['per_label'][lab]['f1']:>9.3f}" for lab in LABELS)
                     + f" {s['subtype_macro_f1']:>10.3f}")
    h = report["hybrid"]
    lines += ["", "hybrid per label:", f"{'label':<14} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}"]
    for lab in LABELS:
        m = h["per_label"][lab]
        lines.append(f"{lab:<14} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} {m['support']:>5}")
    lines += ["", "hybrid confusion (rows gold, columns predicted):",
              " " * 14 + "".join(f"{lab[:6]:>8}" for lab in LABELS)]
    for lab, row in zip(LABELS, h["confusion"]["matrix"]):
        lines.append(f"{lab:<14}" + "".join(f"{v:>8}" for v in row))
    lines += ["", "hybrid per class F1:"] + [f"  {c:<36} {v:.3f}" for c, v in h["per_class_f1"].items()]
    r = report["review"]
    lines += ["", f"needs_review: {r['abstention_rate']:.1%} of claims; "
                  f"precision of the rest {r['precision_of_kept']:.3f}; expected calibration error {r['ece']:.3f}"]
    if ev := report.get("evidence"):
        lines.append(f"evidence: cites an annotated fact for {ev['cites_a_gold_fact']:.1%} of the "
                     f"{ev['claims_with_gold_facts']} claims that have one; {ev['precision_of_cited']:.1%} of the "
                     f"facts cited are annotated; {ev['no_evidence']:.1%} have no evidence")
    lines += ["", "five most common confusions (gold -> predicted, count):"]
    lines += [f"  {g} -> {p}: {k}" for g, p, k in report["top_confusions"]]
    lines += ["", "labelling rules on the held-out claims:", f"  {'rule':<36} {'coverage':>8} {'precision':>9}"]
    lines += [f"  {rule:<36} {m['coverage']:>8.3f} {m['precision']:>9.3f}" for rule, m in report["rules"].items()]
    if e := report.get("extraction"):
        lines += ["", f"Claim extraction on {e['articles']} held-out articles ({e['gold_claims']} gold claims):",
                  f"  precision {e['precision']:.3f}  recall {e['recall']:.3f}  F1 {e['f1']:.3f}",
                  f"  label accuracy on matched claims {e['label_accuracy_matched']:.3f}",
                  f"  stance accuracy {e['stance_accuracy']:.3f}; confusion (rows gold, columns predicted):",
                  " " * 12 + "".join(f"{s[:8]:>10}" for s in e["stance_confusion"]["labels"])]
        for lab, row in zip(e["stance_confusion"]["labels"], e["stance_confusion"]["matrix"]):
            lines.append(f"  {lab:<10}" + "".join(f"{v:>10}" for v in row))
    return "\n".join(lines) + "\n"


# --- claim extraction against the gold articles ------------------------------------------

def match_claims(predicted: list[tuple[int, int]], gold: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one (predicted index, gold index) pairs, greedily in reading order."""
    pairs, used = [], set()
    for i, p in enumerate(predicted):
        for j, g in enumerate(gold):
            if j not in used and spans_match(p, g):
                pairs.append((i, j))
                used.add(j)
                break
    return pairs


def extraction_scores(articles: list[dict], predictions: dict[str, list[dict]]) -> dict:
    """Extraction P/R/F1, label accuracy on matched claims, stance accuracy and confusion."""
    n_pred = n_gold = n_match = 0
    labels_ok, stance_gold, stance_pred = 0, [], []
    for art in articles:
        preds, golds = predictions.get(art["id"], []), art["claims"]
        pairs = match_claims([(p["start"], p["end"]) for p in preds], [(g["start"], g["end"]) for g in golds])
        n_pred, n_gold, n_match = n_pred + len(preds), n_gold + len(golds), n_match + len(pairs)
        for i, j in pairs:
            labels_ok += preds[i]["label"] == golds[j]["label"]
            stance_gold.append(golds[j]["stance"])
            stance_pred.append(preds[i]["stance"])
    precision, recall = n_match / max(n_pred, 1), n_match / max(n_gold, 1)
    stances = [s.value for s in Stance]
    return {
        "articles": len(articles), "gold_claims": n_gold, "predicted_claims": n_pred, "matched": n_match,
        "precision": round(precision, 4), "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 4),
        "label_accuracy_matched": round(labels_ok / max(n_match, 1), 4),
        "stance_accuracy": round(sum(a == b for a, b in zip(stance_gold, stance_pred)) / max(n_match, 1), 4),
        "stance_confusion": {"labels": stances,
                             "matrix": confusion_matrix(stance_gold, stance_pred, labels=stances).tolist()
                             if stance_gold else []},
    }


def predict_articles(checker: ClaimChecker, articles: list[dict]) -> dict[str, list[dict]]:
    out = {}
    for art in articles:
        article = Article(id=art["id"], text=art["text"])
        out[art["id"]] = [{"start": c.start, "end": c.end, "text": c.text, "label": v.label.value,
                           "stance": v.stance.value} for c, v in checker.check_article(article)]
    return out
