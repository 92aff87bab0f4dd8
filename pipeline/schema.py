"""The project's vocabulary: labels, stances and the records that flow between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Label(str, Enum):
    ACCURATE = "accurate"
    CONFLATION = "conflation"
    EXAGGERATION = "exaggeration"


class Stance(str, Enum):
    ASSERTED = "asserted"
    REPORTED = "reported"
    REFUTED = "refuted"
    HEDGED = "hedged"


class Relation(str, Enum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"


SUBTYPES: dict[Label, tuple[str, ...]] = {
    Label.ACCURATE: (),
    Label.CONFLATION: ("sesame_vs_government", "score_vs_blacklist", "other"),
    Label.EXAGGERATION: (
        "universal_scoring",
        "mandatory",
        "unified_system",
        "surveillance",
        "severity",
        "other",
    ),
}


NOT_A_CLAIM = "none"  # the classifier's extra class: a candidate sentence that is no checkable claim


def class_name(label: Label, subtype: str = "") -> str:
    """The model's target: 'accurate' or 'label/subtype'."""
    return label.value if not subtype else f"{label.value}/{subtype}"


def parse_class(name: str) -> tuple[Label, str]:
    label, _, subtype = name.partition("/")
    return Label(label), subtype


ALL_CLASSES: tuple[str, ...] = tuple(
    class_name(label, sub) for label, subs in SUBTYPES.items() for sub in (subs or ("",))
)


def check_label(label: str, subtype: str) -> str | None:
    """Why a label/subtype pair is invalid, or None when it is valid."""
    try:
        lab = Label(label)
    except ValueError:
        return f"unknown label {label!r}"
    if lab is Label.ACCURATE and subtype:
        return f"label 'accurate' takes no subtype (got {subtype!r})"
    if lab is not Label.ACCURATE and subtype not in SUBTYPES[lab]:
        return f"subtype {subtype!r} is not allowed for label {label!r}"
    return None


@dataclass(frozen=True)
class Fact:
    id: str
    topic: str
    statement: str
    entities: tuple[str, ...] = ()
    numbers: dict = field(default_factory=dict, hash=False)
    contradicts: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Article:
    id: str
    text: str
    title: str = ""
    url: str = ""
    outlet: str = ""
    published: str = ""

    def metadata(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url, "outlet": self.outlet, "published": self.published}


@dataclass(frozen=True)
class Claim:
    """A checkable sentence (or clause) about the SCS, with offsets into its article."""

    text: str
    start: int = 0
    end: int = 0
    stance: Stance = Stance.ASSERTED
    stance_cue: str = ""
    context: str = ""  # what a pronoun or short reference in the claim stands for
    article_id: str = ""
    claim_id: str = ""


@dataclass(frozen=True)
class RuleHit:
    """One check that fired on a claim: what it suggests and which facts it cites."""

    rule: str
    label: Label | None  # None: the check only informs (e.g. a wrong number), suggests no label
    subtype: str
    fact_ids: tuple[str, ...]
    relation: Relation
    match: str = ""


@dataclass(frozen=True)
class Verdict:
    label: Label
    subtype: str
    stance: Stance
    confidence: float
    evidence: tuple[tuple[str, Relation], ...]
    rules: tuple[str, ...]
    needs_review: bool
    reason: str
    not_a_claim: float = 0.0  # the classifier's probability that this is no checkable claim at all

    def fields(self) -> dict:
        """The output columns shared by `classify` and `score`."""
        return {
            "label": self.label.value,
            "subtype": self.subtype,
            "stance": self.stance.value,
            "confidence": round(self.confidence, 4),
            "evidence": ";".join(f"{fid}:{rel.value}" for fid, rel in self.evidence),
            "rules": ";".join(self.rules),
            "needs_review": self.needs_review,
            "reason": self.reason,
        }
