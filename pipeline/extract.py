"""Extraction: article -> claims about the SCS subjects, each with its stance and context.

Candidates are spaCy sentences (a line break always ends one), split into two clauses where a
sentence joins two claims with "but", "while", "whereas" or a semicolon. Each candidate gets
features from the parse and the rule vocabulary: does it name an SCS subject, which topical cues
it holds (scores, penalties, quantifiers over citizens...), whether its subject is a pronoun or
short reference ("it", "the system") resolved to the last subject mentioned, whether it is a
question, a quotation, or sits in a paragraph and article about the SCS. A detector (logistic
regression trained on the annotated articles) decides which candidates are claims; without one,
a first rule keeps candidates that name a subject or refer back to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from spacy.tokens import Doc, Span

from pipeline.config import PATTERNS_PATH
from pipeline.rules import Found, PatternSet, load_patterns
from pipeline.schema import Article, Claim
from pipeline.stance import QUOTE_OPEN, stances

EXTRA_RELEVANCE_TERMS = {"sesame", "zhima", "social score", "citizen score", "credit system", "black list",
                         "dishonest", "untrustworthy", "trustworthy", "big brother", "black mirror"}
CUES = ("PRIVATE_SCORE", "PRIVATE_FIRM", "STATE", "PENALTY", "SCORE", "UNIVERSAL", "MANDATORY", "UNIFIED",
        "SURVEILLANCE", "TRIVIAL", "SEVERE_OUTCOME", "RECORDS", "DEFAULTER_BASIS", "REMOVAL", "REWARD", "LOW_SCORE")
SHORT_REFERENCES = {"it", "this", "they", "these", "its", "their", "that", "those"}
REFERRING_NOUNS = {"system", "score", "scores", "app", "scheme", "list", "rating", "program", "programme",
                   "project", "policy", "service", "initiative", "blacklist", "database", "points", "plan"}
SPLITTERS = {"but", "while", "whereas"}
FEATURES = ("subject", "cues", "reference", "prev_subject", "para_subject", "article_subject", "question",
            "verb", "quoted", "length", "first", "proper_nouns", "numbers", "clause", *[f"cue_{c}" for c in CUES])


@lru_cache(maxsize=4)
def relevance_pattern(patterns_path: Path = PATTERNS_PATH) -> re.Pattern:
    """One compiled regex over the SUBJECT vocabulary (and a few spellings spaCy would split)."""
    terms = set(load_patterns(patterns_path)["phrases"]["SUBJECT"]) | EXTRA_RELEVANCE_TERMS
    alternatives = sorted((re.escape(t).replace(r"\ ", r"[\s-]+") for t in terms), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


def is_relevant(text: str) -> bool:
    """Cheap filter before any parsing: does the text use the SCS vocabulary at all?"""
    return relevance_pattern().search(text) is not None


@dataclass(frozen=True)
class Candidate:
    span: Span
    found: Found
    features: dict
    context: str
    quoted: bool


def split_clauses(sent: Span) -> list[Span]:
    """Two clauses where a sentence joins two full clauses with but/while/whereas/';', else the sentence."""
    for tok in sent:
        if tok.i == sent.start and tok.lower_ not in ("while", "whereas"):
            continue
        if tok.text == ";" or (tok.lower_ in SPLITTERS and tok.dep_ in ("cc", "mark")):
            if tok.i == sent.start:  # "While X, Y": the advcl subtree is the first clause
                first = sent.doc[tok.i + 1: max(t.i for t in tok.head.subtree) + 1]
                second = sent.doc[first.end: sent.end]
            elif tok.dep_ == "mark" and sent.doc[tok.i - 1].text != ",":
                continue  # "emphasise that while X, Y": the while-clause is embedded, not a second claim
            else:
                first, second = sent.doc[sent.start: tok.i], sent.doc[tok.i + 1: sent.end]
            parts = [_strip(first), _strip(second)]
            if all(_is_clause(p) for p in parts):
                return parts
    return [sent]


def _strip(span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and (span.doc[start].is_punct or span.doc[start].is_space):
        start += 1
    while end > start and (span.doc[end - 1].is_punct or span.doc[end - 1].is_space):
        end -= 1
    return span.doc[start:end]


def _is_clause(span: Span) -> bool:
    return (len([t for t in span if t.is_alpha]) >= 4 and any(t.pos_ in ("VERB", "AUX") for t in span)
            and any(t.dep_ in ("nsubj", "nsubjpass", "expl") for t in span))


def reference_of(span: Span) -> str:
    """The pronoun or short reference ("it", "the system") heading the span's subject, if any."""
    for tok in span:
        if tok.dep_ in ("nsubj", "nsubjpass"):
            if tok.lower_ in SHORT_REFERENCES:
                return tok.text
            determiners = {c.lower_ for c in tok.children}
            if tok.lower_ in REFERRING_NOUNS and determiners & {"the", "this", "that", "these"}:
                return f"the {tok.lower_}"
            return ""
    return ""


def in_quote(doc: Doc, span: Span, text: str | None = None) -> bool:
    """Is the span inside a quotation opened earlier in its paragraph (or by its own first token)?"""
    text = doc.text if text is None else text
    para_start = text.rfind("\n", 0, span.start_char) + 1
    before = text[para_start: span.start_char]
    opened = before.count("\u201c") - before.count("\u201d") + (before.count('"') % 2)
    return opened > 0 or span.text.startswith(QUOTE_OPEN[:2])


def candidates(doc: Doc, patterns: PatternSet) -> list[Candidate]:
    """Every sentence or clause of the article with its detection features, in reading order."""
    sents, text = list(doc.sents), doc.text
    founds = [patterns.find(s) for s in sents]
    has_subject = [bool(f.get("SUBJECT")) for f in founds]
    article_subject = sum(has_subject) / max(len(sents), 1)
    para_subject, antecedent, out = False, "", []
    for i, (sent, found) in enumerate(zip(sents, founds)):
        if i == 0 or "\n" in text[sents[i - 1].end_char - 1: sent.start_char + 1]:
            para_subject = False
        parts = split_clauses(sent)
        for part in parts:
            part_found = found if len(parts) == 1 else patterns.find(part)
            subject = bool(part_found.get("SUBJECT"))
            reference = reference_of(part)
            quoted = in_quote(doc, part, text)
            features = {
                "subject": float(subject), "cues": float(sum(bool(part_found.get(c)) for c in CUES)),
                "reference": float(bool(reference)), "prev_subject": float(i > 0 and has_subject[i - 1]),
                "para_subject": float(para_subject), "article_subject": article_subject,
                "question": float(part.text.rstrip().endswith("?") or sent.text.rstrip().endswith("?")),
                "verb": float(any(t.pos_ in ("VERB", "AUX") for t in part)), "quoted": float(quoted),
                "length": min(len(part), 60) / 60, "first": float(i == 0),
                "proper_nouns": float(sum(t.pos_ == "PROPN" for t in part)) / max(len(part), 1),
                "numbers": float(any(t.like_num for t in part)), "clause": float(len(parts) > 1),
                **{f"cue_{c}": float(bool(part_found.get(c))) for c in CUES},
            }
            context = antecedent if not subject and antecedent else ""
            out.append(Candidate(part, part_found, features, context, quoted))
        if has_subject[i]:  # the longest subject mention, earliest first: "social credit system", not "social credit"
            antecedent = max(found.get("SUBJECT"), key=lambda s: (len(s), -s.start)).text
            para_subject = True
    return out


def detector_input(cands: list[Candidate]) -> pd.DataFrame:
    rows = [{"text": c.span.text, **c.features} for c in cands]
    return pd.DataFrame(rows, columns=["text", *FEATURES])


def build_detector(params: dict) -> Pipeline:
    """Claim or not: word TF-IDF beside the parse and vocabulary features, then logistic regression."""
    features = ColumnTransformer([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2), "text"),
        ("parse", "passthrough", list(FEATURES)),
    ])
    classifier = LogisticRegression(C=params["detector_C"], max_iter=5000, class_weight="balanced",
                                    random_state=params["seed"])
    return Pipeline([("features", features), ("classifier", classifier)])


TELLING_VERBS = {"understand", "explain", "grasp", "untangle", "decipher", "comprehend", "navigate"}


def about_the_telling(span: Span) -> bool:
    """Does the span open with the act of understanding or explaining as its subject ("Making sense of the
    SCS can be a challenge", "Explaining the lists is not easy")? Such a sentence is about the coverage,
    not a checkable claim about the SCS. Framing verbs stay claims: "Calling Sesame the state's score is
    wrong" rejects a myth."""
    head = next((t for t in span if t.is_alpha), None)
    if head is None or head.tag_ != "VBG" or head.dep_ not in ("csubj", "ROOT"):
        return False
    kids = {(c.dep_, c.lower_) for c in head.children}
    return (head.lemma_ in TELLING_VERBS or (head.lemma_ == "make" and ("dobj", "sense") in kids)
            or (head.lemma_ == "figure" and ("prt", "out") in kids)
            or (head.lemma_ in ("write", "talk") and ("prep", "about") in kids))


def eligible(cand: Candidate) -> bool:
    """Questions, headings in capitals, verbless fragments and sentences about understanding or explaining
    the topic are never claims."""
    letters = [ch for ch in cand.span.text if ch.isalpha()]
    shouting = len(letters) > 8 and sum(ch.isupper() for ch in letters) > 0.7 * len(letters)
    return bool(cand.features["verb"] and not cand.features["question"] and not shouting
                and not about_the_telling(cand.span))


def first_rule(cand: Candidate) -> bool:
    """Without a detector: an assertion that names a subject, or refers back to one."""
    f = cand.features
    return bool((f["subject"] or (f["reference"] and cand.context)) and f["verb"] and not f["question"])


def extract_claims(article: Article, doc: Doc, patterns: PatternSet, detector: Pipeline | None = None,
                   threshold: float = 0.5, stance_model: Pipeline | None = None) -> list[Claim]:
    """The claims of one parsed article, in reading order, with offsets into article.text."""
    return extract_batch([article], [doc], patterns, detector, threshold, stance_model)[0]


def extract_batch(articles: list[Article], docs: list[Doc], patterns: PatternSet, detector: Pipeline | None = None,
                  threshold: float = 0.5, stance_model: Pipeline | None = None) -> list[list[Claim]]:
    """The claims of several parsed articles, one model call per batch rather than per article."""
    per_article = [candidates(doc, patterns) for doc in docs]
    flat = [(i, c) for i, cands in enumerate(per_article) for c in cands]
    if detector is not None and flat:
        keep = detector.predict_proba(detector_input([c for _, c in flat]))[:, 1] >= threshold
    else:
        keep = [first_rule(c) for _, c in flat]
    kept = [(i, c) for (i, c), k in zip(flat, keep) if k and eligible(c)]
    found = stances([c.span for _, c in kept], [c.quoted for _, c in kept], stance_model)
    claims: list[list[Claim]] = [[] for _ in articles]
    for (i, cand), (stance, cue) in zip(kept, found):
        article = articles[i]
        start, end = _trim(article.text, cand.span.start_char, cand.span.end_char)
        claims[i].append(Claim(text=article.text[start:end], start=start, end=end, stance=stance, stance_cue=cue,
                               context=cand.context, article_id=article.id,
                               claim_id=f"{article.id}:{len(claims[i]) + 1}"))
    return claims


def claims_from_texts(texts: list[str], docs: list[Doc], stance_model: Pipeline | None = None) -> list[Claim]:
    """Claims given on their own (classify's input): the whole text, the stance read from it."""
    return [Claim(text=t, start=0, end=len(t), stance=stance, stance_cue=cue)
            for t, (stance, cue) in zip(texts, stances(docs, [False] * len(docs), stance_model))]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
