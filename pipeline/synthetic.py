"""Synthetic article dumps for the benchmark: ~600-word articles, a share of them about the SCS.

Relevant articles are the annotated corpus articles (those with gold claims), padded to length with
off-topic paragraphs before and after. Off-topic articles are built from the corpus's non-claims that
carry no SCS vocabulary and from templated news sentences (council, sport, weather, markets, health,
technology) that use near-miss words such as "credit card", "test scores", "points" and "system".
Every off-topic article is checked against the relevance filter, so the share of relevant ones is exact.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from pipeline.config import ARTICLES_PATH, NONCLAIMS_PATH
from pipeline.relevance import is_relevant

WORDS_PER_ARTICLE = 600
SLOTS = {
    "city": ["Leeds", "Porto", "Denver", "Osaka", "Lyon", "Cork", "Adelaide", "Tampere", "Bologna", "Austin"],
    "team": ["the Harriers", "City", "the Rovers", "United", "the Falcons", "Athletic", "the Tigers"],
    "company": ["Norvik", "Halden Foods", "Brightline Energy", "Castell Pharma", "Meridian Air", "Quill Software"],
    "name": ["Maria Lopez", "Tom Okafor", "Ingrid Berg", "Ravi Menon", "Claire Dubois", "Sam Whitaker"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "thing": ["the new bridge", "the library extension", "the tram line", "the harbour wall", "the school roof"],
}
TEMPLATES = [
    "The council in {city} approved a budget of {n} million for {thing} on {day}, after a long debate.",
    "{name}, who chairs the planning committee, said the work on {thing} would start in {month}.",
    "Residents complained that the parking system near {thing} had been broken for {n} weeks.",
    "{team} won {n}-{m} away from home and climbed to third in the points table.",
    "The coach said the squad would rest key players before {day}'s cup tie against {team}.",
    "A late penalty earned {team} a point, though fans left disappointed with the display.",
    "Forecasters expect heavy rain in {city} on {day}, with highs of {n} degrees and strong winds.",
    "The drought list of restricted water uses was extended for {n} more days across the region.",
    "Shares in {company} rose {pct} percent after it reported higher quarterly profit.",
    "{company} said credit card spending in {city} fell {pct} percent in {month}.",
    "Analysts at a {city} bank cut their outlook for {company}, citing weak demand.",
    "Mortgage lenders raised fixed rates again, and first-time buyers face a tougher test.",
    "Test scores in {city}'s primary schools improved by {pct} percent, the education board said.",
    "Hospital waiting lists in {city} grew to {n} thousand, the health trust reported on {day}.",
    "{name}, a nurse in {city}, said staff had worked double shifts for {n} weeks.",
    "A new booking system for GP appointments goes live on {day}, officials said.",
    "{company} unveiled a phone with a larger battery and a price of {n}99 euros.",
    "The software update fixes a bug that drained batteries, {company} said in a statement.",
    "Engineers in {city} tested a driverless bus on a {n}-kilometre loop around {thing}.",
    "The festival in {city} sold {n} thousand tickets, its highest total in a decade.",
    "{name}'s new novel, set in {city} in the 1970s, tops the bestseller list this week.",
    "A trust fund set up by {name} will pay for {n} scholarships at the university.",
    "Police in {city} appealed for witnesses after a van hit {thing} early on {day}.",
    "The airport in {city} said flights would run as normal despite the strike on {day}.",
    "Ticket prices on the {city} tram rise by {pct} percent from {month}, the operator said.",
]
MONTHS = ["January", "March", "April", "June", "September", "October", "November"]


@lru_cache(maxsize=1)
def corpus_articles() -> list[str]:
    """Texts of the annotated articles with gold claims (the relevant ones)."""
    rows = [json.loads(line) for line in open(ARTICLES_PATH, encoding="utf-8")]
    return [r["text"] for r in rows if r["claims"] and is_relevant(r["text"])]


@lru_cache(maxsize=1)
def offtopic_nonclaims() -> list[str]:
    """Non-claims of the corpus that carry no SCS vocabulary (scene-setting, opinion, off-topic)."""
    with open(NONCLAIMS_PATH, encoding="utf-8", newline="") as fh:
        return [r["text"] for r in csv.DictReader(fh) if not is_relevant(r["text"])]


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(offtopic_nonclaims())
    slots = {k: rng.choice(v) for k, v in SLOTS.items()}
    return rng.choice(TEMPLATES).format(**slots, n=rng.randint(2, 40), m=rng.randint(0, 3),
                                        pct=rng.randint(1, 19), month=rng.choice(MONTHS))


def filler(rng: random.Random, words: int) -> list[str]:
    """Off-topic paragraphs of 3-5 sentences, about `words` words in all."""
    paragraphs, count = [], 0
    while count < words:
        para = " ".join(sentence(rng) for _ in range(rng.randint(3, 5)))
        paragraphs.append(para)
        count += len(para.split())
    return paragraphs


def relevant_article(rng: random.Random, words: int = WORDS_PER_ARTICLE) -> str:
    text = rng.choice(corpus_articles())
    pad = filler(rng, max(0, words - len(text.split())))
    cut = rng.randint(0, len(pad))
    return "\n\n".join([*pad[:cut], text, *pad[cut:]])


def offtopic_article(rng: random.Random, words: int = WORDS_PER_ARTICLE) -> str:
    while True:
        text = "\n\n".join(filler(rng, words))
        if not is_relevant(text):
            return text


def articles(n: int, relevant_share: float, seed: int = 13) -> Iterator[dict]:
    """n article records; exactly round(n * relevant_share) of them relevant, at random positions."""
    rng = random.Random(seed)
    relevant = set(rng.sample(range(n), round(n * relevant_share)))
    for i in range(n):
        text = relevant_article(rng) if i in relevant else offtopic_article(rng)
        yield {"id": f"a{i:06d}", "title": text.split(".")[0][:80], "outlet": "Synthetic Daily",
               "url": f"https://synthetic.example/{i}", "published": "2024-01-01", "text": text}


def write_dump(path: Path, n: int, relevant_share: float, seed: int = 13) -> Path:
    """Write the dump once; an existing file with the same name is reused (names carry the parameters)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for record in articles(n, relevant_share, seed):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(path)
    return path
