"""The model: one scikit-learn Pipeline over claim text and rule signals, saved with a manifest.

A joblib file is code, so `load_model` refuses an artifact whose sha256 differs from the one
its manifest records.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from pipeline.config import MANIFEST_PATH, MODEL_PATH, PARAMS_PATH
from pipeline.rules import NEGATORS as RULE_NEGATORS
from pipeline.rules import RULE_NAMES
from pipeline.schema import RuleHit

RULE_COLUMNS: tuple[str, ...] = tuple(f"rule:{n}{v}" for n in RULE_NAMES for v in ("", ":negated", ":wrong"))


class ModelError(RuntimeError):
    """The model artifact is missing, tampered with or unreadable."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_params(path: Path = PARAMS_PATH) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def model_input(texts: Sequence[str], contexts: Sequence[str], hits: Sequence[Iterable[RuleHit]]) -> pd.DataFrame:
    """The Pipeline's input: the claim text (with its resolved context) and one column per rule signal."""
    rows = []
    for text, context, claim_hits in zip(texts, contexts, hits):
        row = dict.fromkeys(RULE_COLUMNS, 0.0)
        for hit in claim_hits:
            row[f"rule:{hit.rule}"] = 1.0
        row["text"] = resolve_reference(text, context)
        rows.append(row)
    return pd.DataFrame(rows, columns=["text", *RULE_COLUMNS])


REFERENCE = re.compile(r"\b(?:it|its|this|they|their|these|that|those|the (?:system|score|scores|app|scheme|list|"
                       r"rating|program|programme|project|policy|service|initiative|blacklist|database|points|plan))\b",
                       re.IGNORECASE)


def resolve_reference(text: str, context: str) -> str:
    """The text the classifier reads: the first short reference replaced by what it stands for."""
    if not context:
        return text
    return REFERENCE.sub(lambda m: f"{context}'s" if m.group(0).lower() in ("its", "their") else context,
                         text, count=1)


NEGATORS = frozenset(RULE_NEGATORS | {"nowhere"})  # the rules' negators, and "nowhere"
SCOPE_ENDS = frozenset({"but", "while", "whereas", "although", "though", "only", "instead", "rather"})
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.,;:!?()\"\u2014\u2013-]")


def negation_tokens(text: str) -> list[str]:
    """Lower-cased words, those in a negation's scope prefixed NEG_ (the scope ends at punctuation or
    "but"/"only"...): "no single national score" and "a single national score" share no feature."""
    out, negated = [], False
    for tok in WORD.findall(text.lower().replace("\u2019", "'")):
        if not tok[0].isalnum() or tok in SCOPE_ENDS:
            negated = False
        elif tok in NEGATORS or tok.endswith("n't"):
            negated = True
            out.append("NEG")
        else:
            out.append("NEG_" + tok if negated else tok)
    return out


def build_pipeline(params: dict) -> Pipeline:
    """Word, negation-marked word and character TF-IDF beside the rule columns, then a linear classifier."""
    features = ColumnTransformer(
        [
            ("words", TfidfVectorizer(ngram_range=tuple(params["word_ngrams"]), sublinear_tf=True,
                                      min_df=params["min_df"]), "text"),
            ("negated", TfidfVectorizer(tokenizer=negation_tokens, token_pattern=None, lowercase=False,
                                        ngram_range=(1, 2), sublinear_tf=True, min_df=2), "text"),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(params["char_ngrams"]),
                                      sublinear_tf=True, min_df=params["min_df"]), "text"),
            ("rules", "passthrough", list(RULE_COLUMNS)),
        ],
        transformer_weights={"words": 1.0, "negated": params["negation_weight"], "chars": 1.0,
                             "rules": params["rule_weight"]},
    )
    return Pipeline([("features", features), ("classifier", build_classifier(params))])


def build_classifier(params: dict):
    """The classifier family a candidate names; every one gives class probabilities."""
    family, seed = params["classifier"], params["seed"]
    if family == "logistic_regression":
        return LogisticRegression(C=params["C"], max_iter=5000, class_weight="balanced", random_state=seed)
    if family == "linear_svc":
        svc = LinearSVC(C=params["C"], class_weight="balanced", random_state=seed)
        return CalibratedClassifierCV(svc, method="sigmoid", cv=3)
    if family == "sgd_modified_huber":
        return SGDClassifier(loss="modified_huber", alpha=params["alpha"], class_weight="balanced",
                             max_iter=50, tol=None, random_state=seed)
    if family == "complement_nb":
        return ComplementNB(alpha=params["alpha"])
    raise ValueError(f"unknown classifier family {family!r} in models/params.json")


def candidate_params(params: dict) -> list[dict]:
    """The candidates to compare: the shared settings overridden by each candidate's own."""
    shared = {k: v for k, v in params.items() if k != "candidates"}
    return [{**shared, **cand} for cand in params["candidates"]]


def text_only(params: dict) -> dict:
    """Params for the model-only ablation: the rule columns weigh nothing."""
    return {**params, "rule_weight": 0.0}


def class_probabilities(model: Pipeline, frame: pd.DataFrame) -> list[dict[str, float]]:
    """The model's class probabilities, one dict a row (calibration is applied where they are used)."""
    proba = np.asarray(model.predict_proba(frame))
    classes = list(model.classes_)
    return [dict(zip(classes, map(float, row))) for row in proba]


def temper(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature scaling on probabilities: p ** (1/T), renormalised."""
    if temperature == 1.0:
        return proba
    logits = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


def temper_dict(probs: dict[str, float], temperature: float) -> dict[str, float]:
    """`temper` for one row of class probabilities."""
    if temperature == 1.0:
        return probs
    names = list(probs)
    return dict(zip(names, map(float, temper(np.array([[probs[n] for n in names]]), temperature)[0])))


def fit_temperature(proba: np.ndarray, gold_index: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood of held-out (out-of-fold) predictions."""
    grid = np.round(np.arange(0.3, 3.01, 0.05), 2)
    nll = [-np.log(np.clip(temper(proba, t)[np.arange(len(gold_index)), gold_index], 1e-12, 1)).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


def save_model(model: dict[str, Pipeline], manifest: dict, path: Path = MODEL_PATH,
               manifest_path: Path = MANIFEST_PATH) -> dict:
    """Write the artifact (the claim classifier and detector), then a manifest recording its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    drop_process_state(model)
    joblib.dump(model, path, compress=3)
    manifest = {**manifest, "artifact": path.name, "sha256": sha256_of(path)}
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def drop_process_state(obj, seen: set[int] | None = None) -> None:
    """Remove what only held in the training process, so one training gives the same bytes as the next:
    scikit-learn's vectorizers cache `id(stop_words)`, a memory address, to skip re-checking their stop words
    (they check again after loading, which costs nothing without stop words)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, np.ndarray)):
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        children = list(obj)
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith(("sklearn", "pipeline")):
        if isinstance(obj, CountVectorizer):
            obj.__dict__.pop("_stop_words_id", None)
        children = list(vars(obj).values())
    else:
        return
    for child in children:
        drop_process_state(child, seen)


def load_model(path: Path = MODEL_PATH, manifest_path: Path = MANIFEST_PATH) -> tuple[dict[str, Pipeline], dict]:
    """Load the artifact only if its sha256 matches the manifest."""
    if not path.exists():
        raise ModelError(f"{path}: no model found; run `make train` first")
    if not manifest_path.exists():
        raise ModelError(f"{manifest_path}: manifest missing; refusing to load {path.name} unverified")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    actual = sha256_of(path)
    if actual != manifest.get("sha256"):
        raise ModelError(
            f"{path}: sha256 {actual[:12]}… does not match its manifest ({str(manifest.get('sha256'))[:12]}…); "
            "refusing to load it (a joblib file can run code). Retrain with `make train`."
        )
    return joblib.load(path), manifest


def expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    conf, ok = np.asarray(confidences, dtype=float), np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if inside.any():
            total += inside.sum() * abs(ok[inside].mean() - conf[inside].mean())
    return float(total / max(len(conf), 1))


def library_versions() -> dict[str, str]:
    import joblib as jl
    import sklearn
    import spacy

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "spacy": spacy.__version__, "pandas": pd.__version__, "numpy": np.__version__,
            "joblib": jl.__version__}
