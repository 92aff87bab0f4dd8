"""The relevance filter drops no gold claim, and answers exactly as extract's regex does."""

import csv
import json

import pytest

from pipeline.config import ARTICLES_PATH, CLAIMS_PATH, NONCLAIMS_PATH
from pipeline.extract import is_relevant as regex_is_relevant
from pipeline.relevance import focus, is_relevant


def annotated_articles() -> list[dict]:
    return [json.loads(line) for line in open(ARTICLES_PATH, encoding="utf-8")]


def test_no_annotated_article_with_gold_claims_is_filtered_out():
    articles = annotated_articles()
    with_claims = [a for a in articles if a["claims"]]
    assert len(with_claims) >= 50
    dropped = [(a["id"], len(a["claims"])) for a in with_claims if not is_relevant(a["text"])]
    assert dropped == [], f"gold claims lost by the filter: {dropped}"


def test_same_answer_as_the_regex_on_corpus_texts():
    texts = [a["text"] for a in annotated_articles()]
    texts += [p for a in annotated_articles() for p in a["text"].split("\n")]
    for path in (CLAIMS_PATH, NONCLAIMS_PATH):
        texts += [row["text"] for row in csv.DictReader(open(path, encoding="utf-8"))]
    disagree = [t for t in texts if is_relevant(t) != regex_is_relevant(t)]
    assert disagree == []


@pytest.mark.parametrize("text, relevant", [
    ("Your FICO score runs from 300 to 850. Lenders check it before a mortgage.", False),
    ("The library's points-based reading scheme and its new booking system open on Monday.", False),
    ("Entered data is listed in red; the list of credit card offers is below.", False),
    ("Beijing's SOCIAL  CREDIT plans were drafted in 2014.", True),
    ("The club keeps a black-list of rowdy fans.", True),  # vocabulary, not meaning: parsed, then no claim
    ("A court put him on the judgment defaulters list.", True),
    ("He paid with WeChat Pay score turned on.", True),
    ("Zhima Crédit, ça existe.", True),
    ("Ｓesame is a fullwidth spelling.", False),
])
def test_examples(text, relevant):
    assert is_relevant(text) is relevant
    assert regex_is_relevant(text) is relevant


def test_focus_keeps_every_gold_claim_and_every_offset():
    for article in annotated_articles():
        text = article["text"]
        kept = focus(text)
        assert len(kept) == len(text)
        assert [i for i, c in enumerate(kept) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]
        for claim in article["claims"]:
            start = text.index(claim["text"])
            assert kept[start:start + len(claim["text"])] == claim["text"], (article["id"], claim["text"])


def test_focus_blanks_lines_far_from_the_scs_vocabulary():
    off = [f"Rain in Leeds on day {i}." for i in range(12)]
    text = "\n".join(off[:5] + ["Sesame Credit is private.", "It is opt-in."] + off[5:]) + "\n"
    lines = focus(text).split("\n")
    assert lines[:2] == ["x" * len(off[0]), "x" * len(off[1])]  # 3 lines kept before, 5 after
    assert lines[2:11] == text.split("\n")[2:11] and set("".join(lines[11:])) == {"x"}
    assert focus("Rain in Leeds.") == "Rain in Leeds."  # nothing relevant: unchanged (never parsed anyway)
