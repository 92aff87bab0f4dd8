"""The relevance filter: does an article use the SCS vocabulary at all? Run on every record of a dump.

It answers as `extract.relevance_pattern` does (one case-insensitive regex over the SUBJECT phrases and
a few extra terms), but fast enough for millions of off-topic articles: Python's regex engine scans a
57-way alternation at about 3 MB/s, while a substring test runs at GB/s. A term can only match where
each of its words occurs in the case-folded text, so substring tests over the distinct words rule out
almost every article, and the regex then runs over just the terms whose words are all present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import PATTERNS_PATH
from pipeline.extract import EXTRA_RELEVANCE_TERMS
from pipeline.rules import load_patterns


@dataclass(frozen=True)
class Vocabulary:
    """The relevance terms, each with the words that must all occur for it to match."""

    words: tuple[str, ...]
    terms: tuple[tuple[str, frozenset[str]], ...]


@lru_cache(maxsize=4)
def vocabulary(patterns_path: Path = PATTERNS_PATH) -> Vocabulary:
    terms = sorted(set(load_patterns(patterns_path)["phrases"]["SUBJECT"]) | EXTRA_RELEVANCE_TERMS)
    split = [(t, frozenset(t.casefold().split())) for t in terms]
    return Vocabulary(tuple(sorted(set().union(*(w for _, w in split)))), tuple(split))


@lru_cache(maxsize=1024)
def terms_pattern(terms: tuple[str, ...]) -> re.Pattern:
    """The regex of `extract.relevance_pattern`, over the given terms only."""
    alternatives = sorted((re.escape(t).replace(r"\ ", r"[\s-]+") for t in terms), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


def is_relevant(text: str, vocab: Vocabulary | None = None) -> bool:
    """Cheap filter before any parsing: does the text use the SCS vocabulary at all?"""
    vocab = vocab or vocabulary()
    folded = text.casefold()
    present = {w for w in vocab.words if w in folded}
    if not present:
        return False
    candidates = tuple(t for t, words in vocab.terms if words <= present)
    if not candidates:
        return False
    pattern = terms_pattern(candidates)
    if not text.isascii():  # case folding may change lengths: positions would not line up
        return pattern.search(text) is not None
    firsts = {t.casefold().split()[0] for t in candidates}
    return any(pattern.match(text, pos) for word in firsts for pos in _occurrences(folded, word))


def _occurrences(text: str, word: str):
    """Every start position of word in text (the regex is then tried only there)."""
    pos = text.find(word)
    while pos >= 0:
        yield pos
        pos = text.find(word, pos + 1)


LINE = re.compile(r"[^\n]+")
# Lines (paragraphs) of context kept before the first and after the last line with SCS vocabulary:
# the smallest margins that lose none of the 748 gold claims of corpus/articles.jsonl (a claim such as
# "Nobody is allowed to opt out." names no subject; it lives off the paragraphs around it).
LINES_BEFORE, LINES_AFTER = 3, 5
FILLER = "x"


def focus(text: str) -> str:
    """The text to parse: the stretch from a few lines before the first line with SCS vocabulary to a few
    lines after the last, each line outside it replaced by one filler word (FILLER repeated) of the same
    length. Offsets do not move, the filler is one token and one sentence a line (so it ends the
    previous sentence and breaks a chain of references as the line it replaces did), and it can never
    be a claim; whitespace would instead be absorbed into the sentence before it."""
    spans = [m.span() for m in LINE.finditer(text)]
    relevant = [i for i, (start, end) in enumerate(spans) if is_relevant(text[start:end])]
    if not relevant:
        return text
    first, last = relevant[0] - LINES_BEFORE, relevant[-1] + LINES_AFTER
    parts, pos = [], 0
    for i, (start, end) in enumerate(spans):
        if i < first or i > last:
            parts += [text[pos:start], FILLER * (end - start)]
            pos = end
    parts.append(text[pos:])
    return "".join(parts)
