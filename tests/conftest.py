"""Shared fixtures: the spaCy pipeline, fact base and patterns load once per session; a small
model is trained once into a temporary folder so tests never depend on `make train` state."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import CLAIMS_PATH, MANIFEST_PATH, MODEL_PATH, PARAMS_PATH, ROOT
from pipeline.facts import load_facts
from pipeline.nlp import load_nlp
from pipeline.rules import PatternSet, load_patterns

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def nlp():
    return load_nlp(("ner",))


@pytest.fixture(scope="session")
def facts():
    return load_facts()


@pytest.fixture(scope="session")
def patterns(nlp):
    return PatternSet(nlp, load_patterns())


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """Every third row of the corpus (groups kept whole by the hash split), for fast training."""
    frame = pd.read_csv(CLAIMS_PATH, dtype=str, keep_default_na=False)
    groups = sorted(frame["group"].unique())[::3]
    path = tmp_path_factory.mktemp("corpus") / "claims.csv"
    frame[frame["group"].isin(groups)].to_csv(path, index=False)
    return path


def fast_params(folder: Path) -> Path:
    """The shipped hyperparameters with 2-fold CV and only the first candidate: tests check behaviour, not scores."""
    params = json.loads(PARAMS_PATH.read_text())
    params.update(cv_folds=2, candidates=params["candidates"][:1])
    path = folder / "params.json"
    path.write_text(json.dumps(params))
    return path


@pytest.fixture(scope="session")
def small_model(tmp_path_factory, small_corpus) -> tuple[Path, Path]:
    """A model trained on the small corpus with 2-fold CV: (artifact, manifest)."""
    from pipeline.train import train

    folder = tmp_path_factory.mktemp("model")
    params_path = fast_params(folder)
    model, manifest = folder / "claims.joblib", folder / "claims.manifest.json"
    train(small_corpus, model, manifest, params_path)
    return model, manifest


@pytest.fixture(scope="session")
def checker():
    """The shipped model (built by `make train`, which `make test` runs first)."""
    from pipeline.checker import ClaimChecker

    if not MODEL_PATH.exists():
        pytest.fail("models/claims.joblib is missing: run `make train` (make test does)")
    return ClaimChecker.load(MODEL_PATH, MANIFEST_PATH)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
