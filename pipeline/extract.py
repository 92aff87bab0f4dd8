"""Extraction: article -> claims about the SCS subjects, each with its stance and context.

A sentence is a claim when it speaks about the SCS subjects (vocabulary found by the rule
patterns' SUBJECT category, or a pronoun/short reference whose antecedent does) and asserts
something: it has a verb and is not a question. Stance follows the spec's order of cues:
refuted, reported, hedged, asserted.
"""

from __future__ import annotations

import re

from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Span

from pipeline.config import PATTERNS_PATH
from pipeline.rules import PatternSet, load_patterns
from pipeline.schema import Article, Claim, Stance

REFUTATION = re.compile(
    r"\b(myths?|mistak(?:e|es|en|enly)|wrongly|falsely|erroneous(?:ly)?|incorrect(?:ly)?|contrary to|"
    r"(?:is|are|was|isn't|aren't|not) (?:simply |just )?(?:not )?(?:true|the case|accurate|correct)|untrue|"
    r"misconceptions?|misleading(?:ly)?|misreport\w*|debunk\w*|conflat\w*|confus\w*|misunderst\w*|"
    r"misrepresent\w*|mischaracteri\w*|no evidence|far from|overblown|exaggerat\w*|"
    r"(?:gets?|got|have|has) it wrong|popular (?:belief|image|imagination)|widely (?:believed|assumed)|"
    r"rumou?rs?|fictional|fiction|not what|nonsense|hype)\b",
    re.IGNORECASE,
)
NEGATED_TRUTH = re.compile(r"\b(not|n't|never)\b.{0,20}\b(true|the case|so|accurate|real)\b", re.IGNORECASE)

REPORTING_LEMMAS = {
    "say", "claim", "report", "argue", "warn", "allege", "tell", "insist", "write", "note", "explain",
    "contend", "assert", "maintain", "state", "describe", "suggest", "believe", "think", "point",
    "call", "accuse", "charge", "caution", "add", "testify", "tweet", "post", "announce", "acknowledge",
}
REPORTING_PHRASES = re.compile(
    r"\b(according to|reportedly|allegedly|critics|activists|campaigners|reports (?:say|claim|suggest)|"
    r"in the words of|as .{1,40} puts? it|per (?:the|a) )\b",
    re.IGNORECASE,
)
HEDGE_PHRASES = re.compile(
    r"\b(could|might|may|possibly|potentially|perhaps|maybe|conceivably|in theory|fears? (?:that|of)|"
    r"concerns? (?:that|about)|worr(?:y|ies|ied) (?:that|about)|risk(?:s)? (?:that|of|becoming)|"
    r"one day|someday|in future|in the future|is likely to|are likely to|threatens? to|poised to)\b",
    re.IGNORECASE,
)
EXTRA_RELEVANCE_TERMS = {"sesame", "zhima", "social score", "citizen score", "credit system", "black list",
                         "dishonest", "untrustworthy", "trustworthy", "big brother", "black mirror"}
SHORT_REFERENCES = {"it", "this", "they", "these", "its", "their", "that"}
REFERRING_NOUNS = {"system", "score", "scores", "app", "scheme", "list", "rating", "program", "programme",
                   "project", "policy", "service", "initiative", "blacklist", "database"}


@lru_cache(maxsize=4)
def relevance_pattern(patterns_path: Path = PATTERNS_PATH) -> re.Pattern:
    """One compiled regex over the SUBJECT vocabulary (and a few spellings spaCy would split)."""
    terms = set(load_patterns(patterns_path)["phrases"]["SUBJECT"]) | EXTRA_RELEVANCE_TERMS
    alternatives = sorted((re.escape(t).replace(r"\ ", r"[\s-]+") for t in terms), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


def is_relevant(text: str) -> bool:
    """Cheap filter before any parsing: does the text use the SCS vocabulary at all?"""
    return relevance_pattern().search(text) is not None


def stance_of(sent: Span | Doc) -> tuple[Stance, str]:
    """The claim's stance and the cue that decided it."""
    text = sent.text
    if m := REFUTATION.search(text) or NEGATED_TRUTH.search(text):
        return Stance.REFUTED, m.group(0)
    if m := REPORTING_PHRASES.search(text):
        return Stance.REPORTED, m.group(0)
    for tok in sent:
        if tok.lemma_.lower() in REPORTING_LEMMAS and tok.pos_ == "VERB" and _has_speaker(tok):
            return Stance.REPORTED, tok.text
    if m := HEDGE_PHRASES.search(text):
        return Stance.HEDGED, m.group(0)
    return Stance.ASSERTED, ""


def _has_speaker(verb) -> bool:
    """A reporting verb counts when someone says it: a subject, or an agent of a passive."""
    return any(c.dep_ in ("nsubj", "nsubjpass", "agent") for c in verb.children) or verb.dep_ in ("parataxis",)


def is_assertion(sent: Span) -> bool:
    """Statements only: a verb (or a headline's copula), not a question, not a fragment."""
    text = sent.text.strip()
    if text.endswith("?") or len([t for t in sent if t.is_alpha]) < 4:
        return False
    return any(t.pos_ in ("VERB", "AUX") for t in sent)


def _reference(sent: Span) -> str:
    """The pronoun or short reference ("it", "the system") that opens the sentence's subject."""
    for tok in sent:
        if tok.dep_ in ("nsubj", "nsubjpass"):
            if tok.lower_ in SHORT_REFERENCES:
                return tok.text
            if tok.lower_ in REFERRING_NOUNS and any(c.lower_ in ("the", "this", "that") for c in tok.children):
                return f"the {tok.lower_}"
            return ""
    return ""


def extract_claims(article: Article, doc: Doc, patterns: PatternSet) -> list[Claim]:
    """The claims of one parsed article, in reading order, with offsets into article.text."""
    claims: list[Claim] = []
    antecedent = ""
    for i, sent in enumerate(doc.sents):
        found = patterns.find(sent)
        subjects = found.get("SUBJECT")
        reference = _reference(sent)
        about = bool(subjects) or (reference and antecedent)
        if about and is_assertion(sent):
            stance, cue = stance_of(sent)
            context = antecedent if (reference and not subjects) else ""
            start, end = _trim(article.text, sent.start_char, sent.end_char)
            claims.append(Claim(
                text=article.text[start:end], start=start, end=end, stance=stance, stance_cue=cue,
                context=context, article_id=article.id, claim_id=f"{article.id}:{len(claims) + 1}",
            ))
        antecedent = subjects[0].text if subjects else (antecedent if about else "")
    return claims


def claim_from_text(text: str, doc: Doc) -> Claim:
    """A claim given on its own (classify's input): the whole text, its stance read from it."""
    stance, cue = stance_of(doc)
    return Claim(text=text, start=0, end=len(text), stance=stance, stance_cue=cue)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
