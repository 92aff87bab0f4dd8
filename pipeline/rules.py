"""Rule checks: spaCy phrase/token patterns (data in corpus/patterns.json) plus tiny named checks.

Each check looks at the pattern categories found in one claim, may abstain (return None), and
otherwise returns a `RuleHit` naming the label it suggests and the fact ids it tests. A myth
pattern whose own clause is negated ("there is no single national score") supports the fact
instead of firing as the myth. Stance is not the rules' business: "the myth that every citizen
is scored" fires `universal_scoring`; extraction marks it refuted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.config import PATTERNS_PATH
from pipeline.facts import FactBase
from pipeline.schema import Label, Relation, RuleHit
from pipeline.stance import NEGATED_TRUTH, REFUTATION

NEGATORS = {"no", "not", "never", "n't", "nothing", "none", "neither", "nor", "without", "cannot", "nobody"}
SELF_NEGATING = frozenset({"MANDATORY", "PENALTY"})  # categories whose phrases may hold a negator


@dataclass(frozen=True)
class Found:
    """Pattern categories found in one claim, with their spans."""

    spans: dict[str, tuple[Span, ...]]
    text: str

    def has(self, *cats: str) -> bool:
        return all(self.spans.get(c) for c in cats)

    def any(self, *cats: str) -> bool:
        return any(self.spans.get(c) for c in cats)

    def get(self, cat: str) -> tuple[Span, ...]:
        return self.spans.get(cat, ())

    def negated(self, *cats: str) -> bool:
        """True when any span of these categories sits in a negated clause. A compulsion or penalty
        phrase carries its own negation ("can't opt out", "no choice", "no trains"): that is the myth
        itself, so only a negation outside the phrase counts for those."""
        return any(is_negated(s, intrinsic=c in SELF_NEGATING) for c in cats for s in self.get(c))


PENALTY_ACTIONS = {"buy", "book", "fly", "board", "travel", "take", "ride", "send", "enter", "leave", "rent",
                   "borrow", "go", "use", "purchase", "stay", "study", "attend", "apply", "open", "find", "enrol",
                   "enroll", "sell"}
RESTRICTIVE = {"just", "only", "merely", "simply"}  # "does not just raise your rate" denies nothing


def is_negated(span: Span, intrinsic: bool = False) -> bool:
    """Is the span's own clause negated ("no single score", "is not run by the state")?

    Negation of a penalty itself ("can't buy train tickets", "no trains") is the penalty, not a
    denial of the claim, and does not count. With `intrinsic`, negators inside the span and the
    span's own determiner ("no trains", "no choice") are part of the phrase and do not count either.
    """
    root = span.root
    own = ({t.i for t in span} | {c.i for c in root.children if c.dep_ == "det"}) if intrinsic else set()

    def denies(negator) -> bool:  # not part of the phrase itself, and not "not just"/"not only"
        return negator.i not in own and not _restricts(negator)

    if any(t.lower_ in NEGATORS and t.head.lemma_ not in PENALTY_ACTIONS and denies(t) for t in span):
        return True
    noun = root
    while noun.dep_ in ("amod", "compound", "nummod") and noun.head is not noun:
        noun = noun.head  # "single national" -> the noun it modifies, "score", which may carry "no"
    if noun is not root and not intrinsic and any(c.dep_ == "det" and c.lower_ in NEGATORS for c in noun.children):
        return True
    if (any((c.dep_ == "neg" or c.lower_ in NEGATORS) and denies(c) for c in root.children)
            and root.lemma_ not in PENALTY_ACTIONS):
        return True
    verb = root
    for _ in range(6):  # climb to the clause's verb, stopping at clause boundaries
        if verb.pos_ in ("VERB", "AUX") or verb.head is verb:
            break
        verb = verb.head
    if verb.lemma_ in PENALTY_ACTIONS:
        return False
    if any(c.dep_ == "neg" and denies(c) for c in verb.children):
        return True
    if any(c.dep_ in ("nsubj", "nsubjpass") and (c.lower_ in NEGATORS or any(
            d.dep_ == "det" and d.lower_ in NEGATORS for d in c.children)) for c in verb.children):
        return True  # "nobody is forced to join", "no citizen must enrol"
    # "is not part of / is not mandatory": negation on the copula governing this word
    if verb.dep_ in ("acomp", "attr", "xcomp"):
        return any(c.dep_ == "neg" and c.i not in own for c in verb.head.children)
    return False


def _restricts(negator) -> bool:
    """Is the negator followed by "just"/"only"...? "not just X" adds to X rather than denying it."""
    doc = negator.doc
    return negator.i + 1 < len(doc) and doc[negator.i + 1].lower_ in RESTRICTIVE


class PatternSet:
    """Compiled matchers for the categories of a patterns file."""

    def __init__(self, nlp: Language, patterns: dict):
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for cat, terms in patterns["phrases"].items():
            self.phrases.add(cat, list(nlp.tokenizer.pipe(terms)))
        self.tokens = Matcher(nlp.vocab)
        for cat, pats in patterns["tokens"].items():
            self.tokens.add(cat, pats)

    def find(self, span: Span | Doc) -> Found:
        """The categories matched inside a claim span; matches stay in the article's parse."""
        doc = span if isinstance(span, Doc) else span.doc
        found: dict[str, list[Span]] = {}
        for matcher in (self.phrases, self.tokens):
            for match_id, start, end in matcher(span):
                found.setdefault(doc.vocab.strings[match_id], []).append(doc[start:end])
        return Found({k: tuple(v) for k, v in found.items()}, span.text)


def load_patterns(path: Path = PATTERNS_PATH) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _hit(facts: FactBase, rule: str, label: Label | None, subtype: str, ids: tuple[str, ...],
         relation: Relation, match: str = "") -> RuleHit:
    return RuleHit(rule, label, subtype, tuple(i for i in ids if i in facts), relation, match)


QUOTE_OPENS = re.compile(r"(?:^|(?<=[\s(\[\u2014-]))[\"\u201c\u2018'](?=\w)")
QUOTE_CLOSES = re.compile(r"(?<=[\w.,!?])[\"\u201d\u2019'](?=[\s.,;:!?)\]\u2014-]|$)")


def in_quotes(span: Span) -> bool:
    """Is the span inside quotation marks within its sentence ("the 'one national score' doesn't exist")?
    An apostrophe between letters ("doesn't") neither opens nor closes a quote."""
    sent = span.sent
    text, start, end = sent.text, span.start_char - sent.start_char, span.end_char - sent.start_char
    opens = [m.start() for m in QUOTE_OPENS.finditer(text)]
    closes = [m.start() for m in QUOTE_CLOSES.finditer(text)]
    return sum(o < start for o in opens) > sum(c < start for c in closes) and any(c >= end for c in closes)


def names_the_myth(found: Found, cats: tuple[str, ...]) -> bool:
    """Does the claim name the myth it negates: a refutation cue, "not true", or the myth in quotes?"""
    return bool(REFUTATION.search(found.text) or NEGATED_TRUTH.search(found.text)
                or any(in_quotes(s) for c in cats for s in found.get(c)))


def _myth(facts, found, rule, cats, subtype, label, ids) -> RuleHit | None:
    """Fire the myth, or support the fact when the myth's clause is negated in the text's own voice.

    A negation that rejects a named myth ("it is a myth that...", "contrary to reports, nobody is
    forced to...", "the 'one national score' doesn't exist", the myth in quotation marks) still puts
    the myth forward as the proposition: the myth fires (spec: refuted).
    """
    if found.negated(*cats) and not names_the_myth(found, cats):
        return _hit(facts, rule + ":negated", Label.ACCURATE, "", ids, Relation.SUPPORTS)
    match = found.get(cats[0])[0].text
    return _hit(facts, rule, label, subtype, ids, Relation.CONTRADICTS, match)


# --- conflations -----------------------------------------------------------------------

def private_score_as_state(found: Found, facts: FactBase) -> RuleHit | None:
    """Sesame/WeChat credit is a private firm's score (F12, F21); tying it to the state conflates."""
    if not found.has("PRIVATE_SCORE", "STATE") or found.any("PRIVATE_MARKER"):
        return None
    return _myth(facts, found, "private_score_as_state", ("PRIVATE_SCORE", "STATE"),
                 "sesame_vs_government", Label.CONFLATION, ("F12", "F20", "F21"))


def score_causes_blacklisting(found: Found, facts: FactBase) -> RuleHit | None:
    """A low score has no consequences (F19); blacklists follow court judgments, not scores (F28)."""
    scorey = found.any("LOW_SCORE") or (found.any("PRIVATE_SCORE") and found.any("CAUSE"))
    if not (scorey and found.any("PENALTY")) or found.any("DEFAULTER_BASIS"):
        return None
    cats = ("LOW_SCORE", "PENALTY") if found.any("LOW_SCORE") else ("PRIVATE_SCORE", "PENALTY")
    return _myth(facts, found, "score_causes_blacklisting", cats, "score_vs_blacklist",
                 Label.CONFLATION, ("F19", "F28"))


def records_rolled_into_score(found: Found, facts: FactBase) -> RuleHit | None:
    """Agency blacklists and records are separate and never aggregated into a score (F23, F30)."""
    if not found.has("RECORDS", "MERGE_VERB", "SCORE"):
        return None
    return _myth(facts, found, "records_rolled_into_score", ("MERGE_VERB",), "other",
                 Label.CONFLATION, ("F07", "F23", "F30"))


# --- exaggerations ---------------------------------------------------------------------

def every_citizen_scored(found: Found, facts: FactBase) -> RuleHit | None:
    """There is no score covering every citizen or every aspect of life (F30)."""
    if not found.has("UNIVERSAL", "SCORE"):
        return None
    return _myth(facts, found, "every_citizen_scored", ("UNIVERSAL", "SCORE"), "universal_scoring",
                 Label.EXAGGERATION, ("F30", "F14"))


def participation_mandatory(found: Found, facts: FactBase) -> RuleHit | None:
    """Sesame Credit is opt-in (F14); nobody must join a scoring scheme."""
    if not found.any("MANDATORY"):
        return None
    return _myth(facts, found, "participation_mandatory", ("MANDATORY",), "mandatory",
                 Label.EXAGGERATION, ("F14", "F30"))


def one_national_score(found: Found, facts: FactBase) -> RuleHit | None:
    """The SCS is a hodgepodge of initiatives (F03) with no single national score (F30)."""
    if not found.any("UNIFIED"):
        return None
    return _myth(facts, found, "one_national_score", ("UNIFIED",), "unified_system",
                 Label.EXAGGERATION, ("F03", "F30"))


def total_surveillance(found: Found, facts: FactBase) -> RuleHit | None:
    """The present SCS links no data streams into real-time surveillance (F32, F34, F20)."""
    if not found.any("SURVEILLANCE"):
        return None
    return _myth(facts, found, "total_surveillance", ("SURVEILLANCE",), "surveillance",
                 Label.EXAGGERATION, ("F34", "F32", "F20"))


def trivial_behaviour_punished(found: Found, facts: FactBase) -> RuleHit | None:
    """Blacklists punish ignored court judgments and breaches of existing law (F23, F25), not trivia."""
    if not (found.any("TRIVIAL") and found.any("SCORE", "PENALTY", "SEVERE_OUTCOME")):
        return None
    return _myth(facts, found, "trivial_behaviour_punished", ("TRIVIAL",), "severity",
                 Label.EXAGGERATION, ("F25", "F23", "F19"))


def private_score_severity(found: Found, facts: FactBase) -> RuleHit | None:
    """A low private score has no negative consequences (F19): jobs, loans or marriage overstate it."""
    if not (found.any("PRIVATE_SCORE", "LOW_SCORE") and found.any("SEVERE_OUTCOME")):
        return None
    if found.any("PENALTY", "TRIVIAL"):
        return None
    return _myth(facts, found, "private_score_severity", ("SEVERE_OUTCOME",), "severity",
                 Label.EXAGGERATION, ("F19",))


# --- accurate statements ---------------------------------------------------------------

def defaulters_follow_judgments(found: Found, facts: FactBase) -> RuleHit | None:
    """Defaulters are listed for ignoring court judgments (F25) and removed once they comply (F27)."""
    if not (found.any("PENALTY") and found.any("DEFAULTER_BASIS", "REMOVAL")):
        return None
    if found.any("LOW_SCORE", "TRIVIAL", "UNIVERSAL"):
        return None
    ids = ("F25", "F27", "F26") if found.any("REMOVAL") else ("F25", "F26")
    return _hit(facts, "defaulters_follow_judgments", Label.ACCURATE, "", ids, Relation.SUPPORTS)


def private_score_kept_apart(found: Found, facts: FactBase) -> RuleHit | None:
    """Sesame Credit is a private, opt-in service (F12, F14) apart from the state's initiatives."""
    if not (found.any("PRIVATE_SCORE") and found.any("PRIVATE_MARKER")):
        return None
    if found.any("LOW_SCORE", "MANDATORY", "UNIVERSAL", "SURVEILLANCE"):
        return None
    return _hit(facts, "private_score_kept_apart", Label.ACCURATE, "", ("F12", "F14"), Relation.SUPPORTS)


def rewards_for_good_conduct(found: Found, facts: FactBase) -> RuleHit | None:
    """High Sesame scores bring perks (F18); redlists reward exemplary firms (F31)."""
    if not found.any("REWARD") or found.any("LOW_SCORE", "TRIVIAL", "UNIVERSAL", "MANDATORY"):
        return None
    ids = ("F31",) if any(s.text.lower().startswith("red") for s in found.get("REWARD")) else ("F18",)
    if found.negated("REWARD"):
        return None
    return _hit(facts, "rewards_for_good_conduct", Label.ACCURATE, "", ids, Relation.SUPPORTS)


# --- numbers and dates -----------------------------------------------------------------

WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "dozen": 12, "dozens": 24}


def numbers_in(text: str) -> list[int]:
    """Integers written in a claim, digits ("1,000") or words ("eight")."""
    values = [int(m.replace(",", "")) for m in re.findall(r"(?<![\d.])\d{1,3}(?:,\d{3})+|\d+", text)]
    values += [WORD_NUMBERS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in WORD_NUMBERS]
    return values


def _number_check(facts, rule, ok: bool, ids) -> RuleHit:
    if ok:
        return _hit(facts, rule, Label.ACCURATE, "", ids, Relation.SUPPORTS)
    return _hit(facts, rule + ":wrong", None, "", ids, Relation.CONTRADICTS)


def sesame_score_range(found: Found, facts: FactBase) -> RuleHit | None:
    """Sesame scores run from 350 to 950 (F16)."""
    if not found.any("PRIVATE_SCORE") or not found.any("NUMBER_RANGE"):
        return None
    nums = numbers_in(found.get("NUMBER_RANGE")[0].text)
    if len(nums) < 2 or max(nums) < 100:
        return None
    return _number_check(facts, "sesame_score_range", sorted(nums[:2]) == [350, 950], ("F16",))


def sesame_start_score(found: Found, facts: FactBase) -> RuleHit | None:
    """Every Sesame user starts at 600 (F17)."""
    text = found.text.lower()
    if not found.any("PRIVATE_SCORE") or not re.search(r"\b(start|starting|begin|beginning|baseline|initial)", text):
        return None
    nums = [n for n in numbers_in(text) if 100 <= n <= 2000 and n not in (2014, 2015, 2020)]
    if not nums or len(nums) > 1:
        return None
    return _number_check(facts, "sesame_start_score", nums[0] == 600, ("F17",))


def sesame_launch_year(found: Found, facts: FactBase) -> RuleHit | None:
    """Sesame Credit launched on 28 January 2015 (F13)."""
    text = found.text.lower()
    launched = re.search(r"\b(launch|launched|debut|introduced|rolled out|started)", text)
    if not found.any("PRIVATE_SCORE") or not launched:
        return None
    years = [n for n in numbers_in(text) if 2000 <= n <= 2030]
    if len(years) != 1:
        return None
    return _number_check(facts, "sesame_launch_year", years[0] == 2015, ("F13",))


def pboc_pilot_firms(found: Found, facts: FactBase) -> RuleHit | None:
    """The PBOC let eight companies pilot private credit scoring in 2015 (F09)."""
    text = found.text.lower()
    if not re.search(r"people's bank|pboc|central bank", text) or not re.search(r"compan|firm|pilot", text):
        return None
    counts = [n for n in numbers_in(text) if n < 100]
    if len(counts) != 1:
        return None
    return _number_check(facts, "pboc_pilot_firms", counts[0] == 8, ("F09",))


def plan_years(found: Found, facts: FactBase) -> RuleHit | None:
    """The State Council's outline dates from 2014 and runs to 2020 (F02)."""
    text = found.text.lower()
    if not re.search(r"state council|outline|planning|\bplan\b", text):
        return None
    years = sorted({n for n in numbers_in(text) if 1990 <= n <= 2035})
    if not years:
        return None
    return _number_check(facts, "plan_years", set(years) <= {2014, 2020}, ("F02",))


Check = Callable[[Found, FactBase], RuleHit | None]

CHECKS: tuple[Check, ...] = (
    private_score_as_state,
    score_causes_blacklisting,
    records_rolled_into_score,
    every_citizen_scored,
    participation_mandatory,
    one_national_score,
    total_surveillance,
    trivial_behaviour_punished,
    private_score_severity,
    defaulters_follow_judgments,
    private_score_kept_apart,
    rewards_for_good_conduct,
    sesame_score_range,
    sesame_start_score,
    sesame_launch_year,
    pboc_pilot_firms,
    plan_years,
)

RULE_NAMES: tuple[str, ...] = tuple(c.__name__ for c in CHECKS)


def run_checks(found: Found, facts: FactBase, checks: tuple[Check, ...] = CHECKS) -> list[RuleHit]:
    """Every hit of every check, in the checks' order."""
    return [hit for check in checks if (hit := check(found, facts)) is not None]


def base_rule(name: str) -> str:
    """'every_citizen_scored:negated' -> 'every_citizen_scored'."""
    return name.partition(":")[0]
