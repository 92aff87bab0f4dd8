"""Corpus quality report: counts, split hygiene, near-duplicates, lexical variety, and agreement.

Near-duplicates are measured by token-set Jaccard similarity (a pair with similarity >= 0.8 is a
near-duplicate), computed exactly with one sparse matrix product rather than by sampling.

Agreement: every claim was labelled twice, blind. `second_annotation.csv` holds the second
annotator's reading of every row; `adjudication.csv` holds, for each row where the two differed,
the first annotator's reading and which one the adjudicator chose. `claims.csv` holds the final
reading. The first reading is therefore the final one unless the row was adjudicated; the report
rebuilds both readings, checks that the three files agree, and gives Cohen's kappa.
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
from pipeline.facts import DataError, load_facts

NEAR_DUPLICATE = 0.8
READING = ("label", "subtype", "stance")
SECOND_ANNOTATION, ADJUDICATION = "second_annotation.csv", "adjudication.csv"
CHOICES = ("first", "second", "neither")
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


def _read(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    """Rows of a CSV with their line numbers; a missing column is a DataError naming the file."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{path}:1: missing column(s) {', '.join(missing)}")
    return [(n + 2, row) for n, row in enumerate(frame.to_dict("records"))]


def agreement_report(frame: pd.DataFrame, second_path: Path, adjudication_path: Path) -> dict:
    """Cohen's kappa between the two blind readings, overall and per split, and the adjudication counts.

    Raises DataError when the files disagree: a claim without a second reading, a disputed row that
    was not adjudicated, an adjudicated row that was not disputed, or a final reading in claims.csv
    that is not the one the adjudicator chose."""
    from pipeline.agreement import cohen_kappa

    final = {r["id"]: tuple(r[f] for f in READING) for r in frame.to_dict("records")}
    second = {}
    for line, row in _read(second_path, ("id", *READING)):
        if row["id"] not in final:
            raise DataError(f"{second_path}:{line}: claim id {row['id']!r} is not in claims.csv")
        second[row["id"]] = tuple(row[f] for f in READING)
    missing = [cid for cid in final if cid not in second]
    if missing:
        raise DataError(f"{second_path}: no second reading for {len(missing)} claim(s), e.g. {missing[0]}")
    first, choices, adjudicated = dict(final), Counter(), set()
    for line, row in _read(adjudication_path, ("id", *(f"first_{f}" for f in READING), "choice")):
        cid, choice = row["id"], row["choice"]
        where = f"{adjudication_path}:{line}"
        if cid not in final:
            raise DataError(f"{where}: claim id {cid!r} is not in claims.csv")
        if choice not in CHOICES:
            raise DataError(f"{where}: choice {choice!r} is not one of {', '.join(CHOICES)}")
        if cid in adjudicated:
            raise DataError(f"{where}: {cid} is adjudicated twice")
        first[cid] = tuple(row[f"first_{f}"] for f in READING)
        if first[cid] == second[cid]:
            raise DataError(f"{where}: {cid} is adjudicated but both readings agree")
        chosen_ok = (final[cid] not in (first[cid], second[cid]) if choice == "neither"
                     else final[cid] == (first[cid] if choice == "first" else second[cid]))
        if not chosen_ok:
            raise DataError(f"{where}: claims.csv has {'/'.join(final[cid])} for {cid}, not the {choice} reading")
        choices[choice] += 1
        adjudicated.add(cid)
    undecided = [cid for cid in final if cid not in adjudicated and final[cid] != second[cid]]
    if undecided:
        raise DataError(f"{adjudication_path}: {len(undecided)} disputed claim(s) not adjudicated, e.g. {undecided[0]}")

    def kappas(ids: list[str]) -> dict:
        out = {"claims": len(ids)}
        for name, pick in (("label", lambda r: r[0]), ("label_subtype", lambda r: f"{r[0]}/{r[1]}"),
                           ("stance", lambda r: r[2])):
            a, b = [pick(first[i]) for i in ids], [pick(second[i]) for i in ids]
            kappa = cohen_kappa(a, b)
            out[name] = {"kappa": None if kappa is None else round(kappa, 4),
                         "agreement": round(sum(x == y for x, y in zip(a, b)) / max(len(ids), 1), 4)}
        return out

    ids = frame["id"].tolist()
    by_split = {split: kappas(frame.loc[frame["split"] == split, "id"].tolist())
                for split in sorted(frame["split"].unique())}
    return {"all": kappas(ids), **by_split, "disputed": len(adjudicated), "choice": dict(choices)}


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
    claims = load_claims(claims_path, facts)
    report = {"claims": claims_report(claims)}
    second, adjudication = claims_path.parent / SECOND_ANNOTATION, claims_path.parent / ADJUDICATION
    if second.exists() and adjudication.exists():
        report["agreement"] = agreement_report(claims, second, adjudication)
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
    if "agreement" in report:
        g = report["agreement"]
        for split in ("all", "train", "test"):
            if split in g:
                k = g[split]
                lines.append(f"agreement ({split}, {k['claims']} claims, two blind readings): "
                             + "; ".join(f"{name} kappa {k[name]['kappa']:.3f} ({k[name]['agreement']:.1%} agree)"
                                         for name in ("label", "label_subtype", "stance")))
        lines.append(f"adjudicated: {g['disputed']} disputed claims; chosen reading {json.dumps(g['choice'])}")
    lines.append(f"non-claims: {report['nonclaims']['rows']} " + json.dumps(report["nonclaims"]["kind"]))
    lines.append(f"articles: {a['articles']} {json.dumps(a['style'])}; words {a['words_min_max']}; split {a['split']}")
    lines.append(f"  gold claims: {a['gold_claims']}; labels {json.dumps(a['label'])}; "
                 f"stances {json.dumps(a['stance'])}")
    return "\n".join(lines) + "\n"
