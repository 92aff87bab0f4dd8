"""Agreement between reviewers: Cohen's kappa for two, Krippendorff's alpha (nominal) for any number.

A coder is one review file (or one annotator in a Label Studio export); a unit is a claim id.
Each field (label, subtype, stance) is scored on its own; an accurate claim's empty subtype
counts as the category "-".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pipeline.review import Review

FIELDS = ("label", "subtype", "stance")


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa (scikit-learn's); None when undefined: no items, or both coders used one category."""
    if not a or len(set(a) | set(b)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(list(a), list(b)))


def krippendorff_alpha(units: Iterable[Sequence[str]]) -> float | None:
    """Nominal alpha from the coincidence matrix o: alpha = 1 - (n - 1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k.

    Each unit with m >= 2 values adds 1/(m - 1) to o_ck for every ordered pair of its values; n_c
    are the row sums and n their total. Units with one value are not pairable and drop out. None
    when every pairable value is the same category (no expected disagreement)."""
    o: Counter = Counter()
    for values in units:
        m = len(values)
        for i, c in enumerate(values if m > 1 else ()):
            for j, k in enumerate(values):
                if i != j:
                    o[c, k] += 1 / (m - 1)
    n_c: Counter = Counter()
    for (c, _), weight in o.items():
        n_c[c] += weight
    n = sum(n_c.values())
    expected = sum(n_c[c] * n_c[k] for c in n_c for k in n_c if c != k)
    if not expected:
        return None
    observed = sum(weight for (c, k), weight in o.items() if c != k)
    return 1 - (n - 1) * observed / expected


def field_value(review: Review, name: str) -> str:
    return {"label": review.label.value, "subtype": review.subtype or "-", "stance": review.stance.value}[name]


def by_coder(reviews: Iterable[Review]) -> dict[str, dict[str, Review]]:
    coders: dict[str, dict[str, Review]] = {}
    for r in reviews:
        coders.setdefault(r.coder, {})[r.id] = r
    return coders


def agreement(reviews: Iterable[Review]) -> dict:
    """Per field: kappa (exactly two coders) and alpha; and the claims the coders disagree on."""
    coders = by_coder(reviews)
    names = sorted(coders)
    ids = sorted({cid for c in names for cid in coders[c]})
    units = [[coders[c][cid] for c in names if cid in coders[c]] for cid in ids]
    shared = [u for u in units if len(u) > 1]
    fields = {}
    for name in FIELDS:
        values = [[field_value(r, name) for r in u] for u in shared]
        kappa = cohen_kappa([v[0] for v in values], [v[1] for v in values]) if len(names) == 2 else None
        fields[name] = {"kappa": kappa, "alpha": krippendorff_alpha(values)}
    disagreements = [u for u in shared if len({r.verdict() for r in u}) > 1]
    return {"coders": names, "claims": len(units), "shared": len(shared), "fields": fields,
            "disagreements": disagreements}


def render_agreement(report: dict) -> str:
    def num(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    lines = [f"{len(report['coders'])} coders: {', '.join(report['coders'])}",
             f"{report['shared']} claims reviewed by two or more (of {report['claims']})", "",
             f"{'field':<8} {'kappa':>7} {'alpha':>7}"]
    lines += [f"{name:<8} {num(f['kappa']):>7} {num(f['alpha']):>7}" for name, f in report["fields"].items()]
    lines += ["", f"{len(report['disagreements'])} disagreements (import refuses these claims until they agree):"]
    for unit in report["disagreements"]:
        text = unit[0].text if len(unit[0].text) <= 90 else unit[0].text[:89] + "…"
        lines.append(f"  {unit[0].id}  {text}")
        lines += [f"    {r.where}: {r.describe()}" for r in unit]
    return "\n".join(lines) + "\n"
