"""Corpus quality report: counts, split hygiene, near-duplicates and lexical variety.

Near-duplicates are measured by token-set Jaccard similarity (a pair with similarity >= 0.8 is a
near-duplicate), computed exactly with one sparse matrix product rather than by sampling.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from pipeline.config import ARTICLES_PATH, CLAIMS_PATH, NONCLAIMS_PATH
from pipeline.corpus import load_articles, load_claims
from pipeline.facts import load_facts

NEAR_DUPLICATE = 0.8
TOKEN = r"[a-z0-9']+"


def jaccard_matrix(texts: list[str]) -> np.ndarray:
    """Token-set Jaccard similarity of every pair of texts (diagonal zeroed)."""
    sets = CountVectorizer(binary=True, token_pattern=TOKEN, lowercase=True).fit_transform(texts)
    inter = (sets @ sets.T).toarray().astype(float)
    sizes = np.asarray(sets.sum(axis=1)).ravel()
    union = sizes[:, None] + sizes[None, :] - inter
    sim = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    np.fill_diagonal(sim, 0.0)
    return sim


def near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE) -> list[tuple[int, int, float]]:
    """Index pairs (i < j) whose token sets overlap at least `threshold`."""
    sim = jaccard_matrix(texts)
    i, j = np.where(np.triu(sim >= threshold))
    return [(int(a), int(b), round(float(sim[a, b]), 3)) for a, b in zip(i, j)]


def unique_5gram_share(texts: list[str]) -> float:
    """Share of sentences that share no word 5-gram with any other sentence."""
    grams = [{tuple(toks[k:k + 5]) for k in range(len(toks) - 4)}
             for toks in (re.findall(TOKEN, t.lower()) for t in texts)]
    counts = Counter(g for s in grams for g in s)
    return sum(all(counts[g] == 1 for g in s) for s in grams) / max(len(texts), 1)


def claims_report(frame: pd.DataFrame) -> dict:
    texts = frame["text"].tolist()
    pairs = near_duplicates(texts)
    in_pairs = {i for p in pairs for i in p[:2]}
    splits = frame["split"].tolist()
    straddling = [p for p in pairs if splits[p[0]] != splits[p[1]]]
    groups_both = int((frame.groupby("group")["split"].nunique() > 1).sum())
    stance_share = frame["stance"].value_counts(normalize=True).round(4).to_dict()
    return {
        "claims": len(frame), "groups": int(frame["group"].nunique()),
        "split": frame["split"].value_counts().to_dict(),
        "label": frame["label"].value_counts().to_dict(),
        "label_subtype": frame["target"].value_counts().sort_index().to_dict(),
        "stance": frame["stance"].value_counts().to_dict(), "stance_share": stance_share,
        "register": frame["register"].value_counts().to_dict(),
        "near_duplicate_pairs": len(pairs), "near_duplicate_rate": round(len(in_pairs) / max(len(frame), 1), 4),
        "near_duplicates_across_split": len(straddling), "groups_on_both_sides": groups_both,
        "vocabulary": len(set(re.findall(TOKEN, " ".join(texts).lower()))),
        "unique_5gram_share": round(unique_5gram_share(texts), 4),
        "closest_pairs": [(texts[a], texts[b], s) for a, b, s in sorted(pairs, key=lambda p: -p[2])[:5]],
    }


def articles_report(articles: list[dict]) -> dict:
    claims = [c for a in articles for c in a["claims"]]
    words = [len(a["text"].split()) for a in articles]
    return {
        "articles": len(articles), "style": dict(Counter(a["style"] for a in articles)),
        "split": dict(Counter(a["split"] for a in articles)),
        "words_min_max": [min(words), max(words)] if words else [],
        "gold_claims": len(claims), "label": dict(Counter(c["label"] for c in claims)),
        "stance": dict(Counter(c["stance"] for c in claims)),
    }


def corpus_report(claims_path: Path = CLAIMS_PATH, nonclaims_path: Path = NONCLAIMS_PATH,
                  articles_path: Path = ARTICLES_PATH) -> dict:
    """Everything the corpus card quotes, validated on the way (a bad row raises DataError)."""
    facts = load_facts()
    report = {"claims": claims_report(load_claims(claims_path, facts))}
    nonclaims = pd.read_csv(nonclaims_path, dtype=str, keep_default_na=False)
    report["nonclaims"] = {"rows": len(nonclaims), "kind": nonclaims["kind"].value_counts().to_dict()}
    report["articles"] = articles_report(load_articles(articles_path, facts))
    return report


def render(report: dict) -> str:
    c, a = report["claims"], report["articles"]
    lines = [f"claims: {c['claims']} in {c['groups']} groups; split {c['split']}"]
    lines += ["by label/subtype:"] + [f"  {k:<36} {v:>5}" for k, v in c["label_subtype"].items()]
    lines.append("by stance: " + ", ".join(f"{k} {v} ({c['stance_share'][k]:.1%})" for k, v in c["stance"].items()))
    lines.append("by register: " + ", ".join(f"{k} {v}" for k, v in c["register"].items()))
    lines.append(f"near-duplicates (token-set Jaccard >= {NEAR_DUPLICATE}): {c['near_duplicate_pairs']} pairs, "
                 f"{c['near_duplicate_rate']:.2%} of claims; across the split: {c['near_duplicates_across_split']}; "
                 f"groups on both sides: {c['groups_on_both_sides']}")
    lines.append(f"vocabulary: {c['vocabulary']} word types; sentences sharing no 5-gram with any other: "
                 f"{c['unique_5gram_share']:.1%}")
    lines.append(f"non-claims: {report['nonclaims']['rows']} " + json.dumps(report["nonclaims"]["kind"]))
    lines.append(f"articles: {a['articles']} {json.dumps(a['style'])}; words {a['words_min_max']}; split {a['split']}")
    lines.append(f"  gold claims: {a['gold_claims']}; labels {json.dumps(a['label'])}; "
                 f"stances {json.dumps(a['stance'])}")
    return "\n".join(lines) + "\n"
