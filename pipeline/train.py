"""Training: corpus -> rule signals -> grouped cross-validation -> fitted Pipeline + manifest.

The model is fitted on the training split only, so `make evaluate` scores exactly the shipped
model on groups it never saw. Decision settings (review threshold, rule precision) come from the
training split: rule precision directly (rules are not fitted), the threshold from out-of-fold
predictions of grouped cross-validation (label probabilities and stances, so the verdicts are the
ones `decide` gives at run time).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from pipeline.checker import UNUSED_COMPONENTS, rule_signals
from pipeline.config import (
    ARTICLES_PATH,
    CLAIMS_PATH,
    FACTS_PATH,
    MANIFEST_PATH,
    MODEL_PATH,
    NONCLAIMS_PATH,
    PARAMS_PATH,
    PATTERNS_PATH,
)
from pipeline.corpus import fact_id_list, file_sha256, load_articles, load_claims, spans_match, split_of
from pipeline.decide import Policy, decide, model_choice
from pipeline.extract import build_detector, candidates, detector_input, in_quote
from pipeline.facts import TrainedLinker, load_facts
from pipeline.model import (
    build_pipeline,
    candidate_params,
    class_probabilities,
    expected_calibration_error,
    fit_temperature,
    library_versions,
    load_params,
    model_input,
    save_model,
)
from pipeline.nlp import load_nlp
from pipeline.rules import PatternSet, load_patterns
from pipeline.schema import ALL_CLASSES, NOT_A_CLAIM, Label, RuleHit, Stance, class_name, parse_class
from pipeline.stance import build_stance_model, stance_input


def featurize(frame: pd.DataFrame, patterns: PatternSet, facts) -> tuple[pd.DataFrame, list[list[RuleHit]]]:
    nlp = load_nlp(UNUSED_COMPONENTS)
    docs = list(nlp.pipe(frame["text"].tolist(), batch_size=256))
    hits = rule_signals(docs, patterns, facts)
    contexts = frame["context"].tolist() if "context" in frame else [""] * len(frame)
    return model_input(frame["text"].tolist(), contexts, hits), hits


def rule_precision(hits: list[list[RuleHit]], targets: list[str], model_right: list[bool]) -> dict[str, list]:
    """Per rule: [precision, support, the model's out-of-fold accuracy on the same claims].

    Precision is the share of claims it fired on whose gold label (and subtype) it named.
    """
    fired: dict[str, list[tuple[int, int]]] = {}
    for claim_hits, target, right in zip(hits, targets, model_right):
        gold_label, gold_sub = parse_class(target)
        for hit in claim_hits:
            if hit.label is None:
                continue
            ok = hit.label is gold_label and (hit.label is Label.ACCURATE or hit.subtype == gold_sub)
            fired.setdefault(hit.rule, []).append((int(ok), int(right)))
    return {rule: [round(float(np.mean([a for a, _ in v])), 4), len(v), round(float(np.mean([b for _, b in v])), 4)]
            for rule, v in sorted(fired.items())}


def out_of_fold(pipe, X: pd.DataFrame, y: list[str], groups: list[str], folds: int) -> list[dict[str, float]]:
    """Class probabilities for each training claim from a model that never saw its group."""
    probs: list[dict[str, float] | None] = [None] * len(y)
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(X, y, groups):
        model = clone(pipe).fit(X.iloc[train_idx], [y[i] for i in train_idx])
        for i, p in zip(test_idx, class_probabilities(model, X.iloc[test_idx])):
            probs[i] = p
    return probs  # type: ignore[return-value]


def choose_threshold(confidences: list[float], correct: list[bool], target: float) -> float:
    """The lowest confidence threshold whose kept claims reach the target precision."""
    conf, ok = np.array(confidences), np.array(correct)
    for t in np.round(np.arange(0.30, 0.96, 0.05), 2):
        kept = conf >= t
        if kept.any() and ok[kept].mean() >= target:
            return float(t)
    return 0.95


def detector_data(articles: list[dict], patterns: PatternSet) -> tuple[pd.DataFrame, list[int], list[str]]:
    """Candidates of the annotated articles, labelled 1 when they match a gold claim span."""
    nlp = load_nlp(UNUSED_COMPONENTS)
    frames, labels, groups = [], [], []
    for art, doc in zip(articles, nlp.pipe([a["text"] for a in articles], batch_size=16)):
        cands = candidates(doc, patterns)
        gold = [(g["start"], g["end"]) for g in art["claims"]]
        frames.append(detector_input(cands))
        labels += [int(any(spans_match((c.span.start_char, c.span.end_char), g) for g in gold)) for c in cands]
        groups += [art["id"]] * len(cands)
    return pd.concat(frames, ignore_index=True), labels, groups


def train_detector(articles: list[dict], patterns: PatternSet, params: dict) -> tuple[Pipeline, float, float]:
    """Fit the claim detector; the threshold maximises F1 over grouped out-of-fold probabilities."""
    X, y, groups = detector_data(articles, patterns)
    detector = build_detector(params)
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=params["cv_folds"]).split(X, y, groups):
        oof[te] = clone(detector).fit(X.iloc[tr], [y[i] for i in tr]).predict_proba(X.iloc[te])[:, 1]
    best = max(np.round(np.arange(0.2, 0.81, 0.05), 2), key=lambda t: (f1_score(y, oof >= t), -abs(t - 0.5)))
    return detector.fit(X, y), float(best), round(float(f1_score(y, oof >= best)), 4)


def stance_data(frame: pd.DataFrame, articles: list[dict]) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """Gold stances of the corpus claims (on their own) and of the article claims (in context), with
    their groups and ids (an article claim's id is `article:n`, as in `classifier_rows`)."""
    nlp = load_nlp(UNUSED_COMPONENTS)
    spans, quoted = list(nlp.pipe(frame["text"].tolist(), batch_size=256)), [False] * len(frame)
    y, groups, ids = frame["stance"].tolist(), frame["group"].tolist(), frame["id"].tolist()
    for art, doc in zip(articles, nlp.pipe([a["text"] for a in articles], batch_size=16)):
        for n, claim in enumerate(art["claims"], 1):
            span = doc.char_span(claim["start"], claim["end"], alignment_mode="expand")
            spans.append(span)
            quoted.append(in_quote(doc, span))
            y.append(claim["stance"])
            groups.append(art["id"])
            ids.append(f"{art['id']}:{n}")
    return stance_input(spans, quoted), y, groups, ids


def train_stance(frame: pd.DataFrame, articles: list[dict], params: dict) -> tuple[Pipeline, float, dict[str, Stance]]:
    """The fitted stance model, its grouped out-of-fold accuracy, and each claim's out-of-fold stance by id."""
    X, y, groups, ids = stance_data(frame, articles)
    model = build_stance_model(params)
    predicted = cross_val_predict(model, X, y, groups=groups, cv=GroupKFold(n_splits=params["cv_folds"]))
    return (model.fit(X, y), round(float(np.mean(predicted == np.array(y))), 4),
            {i: Stance(p) for i, p in zip(ids, predicted)})


def classifier_rows(corpus: pd.DataFrame, articles: list[dict], patterns: PatternSet,
                    nonclaims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Training rows: the corpus's training split, the gold claims of the training articles (with the
    context extraction resolves for them and their fact ids), and, as the `none` class, the hard non-claims and the
    article sentences that are no claim."""
    nlp = load_nlp(UNUSED_COMPONENTS)
    from_articles = []
    for art, doc in zip(articles, nlp.pipe([a["text"] for a in articles], batch_size=16)):
        cands = candidates(doc, patterns)
        golds = [(c["start"], c["end"]) for c in art["claims"]]
        for n, claim in enumerate(art["claims"], 1):
            context = next((c.context for c in cands
                            if spans_match((c.span.start_char, c.span.end_char), golds[n - 1])), "")
            from_articles.append({"id": f"{art['id']}:{n}", "text": claim["text"], "group": art["id"],
                                  "target": class_name(Label(claim["label"]), claim["subtype"]), "context": context,
                                  "fact_ids": claim.get("fact_ids", "")})
        if nonclaims is not None:
            from_articles += [{"id": f"{art['id']}:x{k}", "text": c.span.text, "group": art["id"],
                               "target": NOT_A_CLAIM, "context": c.context, "fact_ids": ""}
                              for k, c in enumerate(cands)
                              if not any(spans_match((c.span.start_char, c.span.end_char), g) for g in golds)]
    rows = corpus[corpus["split"] == "train"][["id", "text", "group", "target", "fact_ids"]].assign(context="")
    parts = [rows, pd.DataFrame(from_articles, columns=rows.columns)]
    if nonclaims is not None:
        parts.append(nonclaims[nonclaims["group"].map(split_of) == "train"][["id", "text", "group"]]
                     .assign(target=NOT_A_CLAIM, context="", fact_ids=""))
    return pd.concat(parts, ignore_index=True)


def select_model(params: dict, X: pd.DataFrame, y: list[str], groups: list[str]) -> tuple[dict, list, dict]:
    """Compare the candidates by grouped CV macro-F1 (labels); the best one's params and out-of-fold probabilities."""
    claims = [i for i, t in enumerate(y) if t != NOT_A_CLAIM]
    gold = [y[i].partition("/")[0] for i in claims]
    results, best = {}, None
    for cand in candidate_params(params):
        oof = out_of_fold(build_pipeline(cand), X, y, groups, params["cv_folds"])
        predicted = [model_choice(oof[i])[0].value for i in claims]
        results[cand["name"]] = round(float(f1_score(gold, predicted, average="macro")), 4)
        if best is None or results[cand["name"]] > results[best[0]["name"]]:
            best = (cand, oof)
    return best[0], best[1], results


def calibrate(oof: list[dict[str, float]], y: list[str]) -> float:
    """The temperature that calibrates the out-of-fold probabilities (lowest negative log-likelihood)."""
    classes = sorted(oof[0])
    proba = np.array([[p[c] for c in classes] for p in oof])
    return fit_temperature(proba, np.array([classes.index(t) for t in y]))


def train(claims_path: Path = CLAIMS_PATH, model_path: Path = MODEL_PATH, manifest_path: Path = MANIFEST_PATH,
          params_path: Path = PARAMS_PATH, facts_path: Path = FACTS_PATH,
          patterns_path: Path = PATTERNS_PATH, articles_path: Path = ARTICLES_PATH,
          nonclaims_path: Path = NONCLAIMS_PATH) -> dict:
    """Fit the models on the training split and write them with their manifest; returns the manifest."""
    params = load_params(params_path)
    facts = load_facts(facts_path)
    patterns = PatternSet(load_nlp(UNUSED_COMPONENTS), load_patterns(patterns_path))
    corpus = load_claims(claims_path, facts)
    articles = [a for a in load_articles(articles_path, facts) if a["split"] == "train"]
    nonclaims = pd.read_csv(nonclaims_path, dtype=str, keep_default_na=False)
    rows = classifier_rows(corpus, articles, patterns, nonclaims)
    X, hits = featurize(rows, patterns, facts)
    y, groups = rows["target"].tolist(), rows["group"].tolist()

    chosen, oof, comparison = select_model(params, X, y, groups)
    temperature = calibrate(oof, y)
    claims = [i for i, t in enumerate(y) if t != NOT_A_CLAIM]
    y_claims = [y[i] for i in claims]
    n_corpus = int((corpus["split"] == "train").sum())
    stance_model, stance_accuracy, stances = train_stance(corpus[corpus["split"] == "train"], articles, params)
    verdicts, policy = decision_policy([oof[i] for i in claims], [hits[i] for i in claims], y_claims, params,
                                       temperature, [stances[rows["id"][i]] for i in claims])
    gold = [parse_class(t)[0] for t in y_claims]
    correct = [v.label is g for v, g in zip(verdicts, gold)]
    detector, detector_threshold, detector_f1 = train_detector(articles, patterns, params)
    linker = train_linker([X["text"][i] for i in claims], [rows["fact_ids"][i] for i in claims], facts, params)
    model = {"classifier": build_pipeline(chosen).fit(X, y), "detector": detector, "stance": stance_model,
             "linker": linker}
    manifest = {
        "corpus_sha256": file_sha256(claims_path), "facts_sha256": file_sha256(facts_path),
        "patterns_sha256": file_sha256(patterns_path), "articles_sha256": file_sha256(articles_path),
        "libraries": library_versions(), "params": params, "chosen": chosen["name"],
        "classes": [c for c in (*ALL_CLASSES, NOT_A_CLAIM) if c in set(y)],
        "train_claims": n_corpus, "train_article_claims": len(claims) - n_corpus,
        "train_non_claims": len(y) - len(claims), "train_articles": len(articles),
        "nonclaims_sha256": file_sha256(nonclaims_path),
        "cv": {"folds": params["cv_folds"], "candidates_macro_f1": comparison,
               "hybrid_macro_f1": round(float(f1_score([g.value for g in gold], [v.label.value for v in verdicts],
                                                        average="macro")), 4),
               "ece": round(expected_calibration_error([v.confidence for v in verdicts], correct), 4),
               "detector_f1": detector_f1, "stance_accuracy": stance_accuracy},
        "policy": {**policy, "temperature": temperature, "detector_threshold": detector_threshold,
                   "not_a_claim_threshold": params["not_a_claim_threshold"]},
    }
    return save_model(model, manifest, model_path, manifest_path)


def train_linker(texts: list[str], fact_ids: list[str], facts, params: dict) -> TrainedLinker:
    """The fact linker, fitted on the training claims (as the classifier reads them) and their gold fact ids."""
    linker = TrainedLinker([f.id for f in facts], params["linker_C"], params["linker_threshold"],
                           params["linker_top_k"], params["seed"])
    return linker.fit(texts, [fact_id_list(ids) for ids in fact_ids])


def decision_policy(oof: list[dict[str, float]], hits: list[list[RuleHit]], y: list[str], params: dict,
                    temperature: float, stances: list[Stance]) -> tuple[list, dict]:
    """Rule precision against the model's out-of-fold accuracy, then the review threshold, on the
    verdicts `decide` gives with out-of-fold probabilities and out-of-fold stances."""
    model_right = [model_choice(p)[0] is parse_class(t)[0] for p, t in zip(oof, y)]
    precision = rule_precision(hits, y, model_right)
    policy = {"override_precision": params["override_precision"], "min_rule_support": params["min_rule_support"],
              "rule_precision": precision}
    draft = Policy(review_threshold=0.0, temperature=temperature, **policy)
    # evidence enters neither label nor confidence, so no fact linking is needed here
    verdicts = [decide(p, h, s, [], draft) for p, h, s in zip(oof, hits, stances)]
    correct = [v.label is parse_class(t)[0] for v, t in zip(verdicts, y)]
    threshold = choose_threshold([v.confidence for v in verdicts], correct, params["target_precision"])
    return verdicts, {**policy, "review_threshold": threshold}
