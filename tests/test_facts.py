import json

import pytest

from pipeline.config import FACTS_PATH
from pipeline.facts import DataError, TrainedLinker, load_facts


def test_fact_base_has_at_least_25_atomic_facts(facts):
    assert len(facts) >= 25
    for fact in facts:
        assert fact.id.startswith("F") and fact.statement.endswith(".")
        assert fact.topic and fact.entities, fact.id


def test_fact_ids_unique_and_numbers_fixed():
    ids = [json.loads(line)["id"] for line in FACTS_PATH.read_text().splitlines() if line.strip()]
    assert len(ids) == len(set(ids))
    facts = load_facts()
    assert facts["F16"].numbers == {"score_min": 350, "score_max": 950}
    assert facts["F17"].numbers["score_start"] == 600
    assert facts["F09"].numbers["companies"] == 8


def test_duplicate_fact_id_is_rejected_with_line(tmp_path):
    line = FACTS_PATH.read_text().splitlines()[0]
    bad = tmp_path / "facts.jsonl"
    bad.write_text(line + "\n" + line + "\n")
    with pytest.raises(DataError, match=r"facts.jsonl:2: duplicate fact id F01"):
        load_facts(bad)


def test_malformed_fact_line_names_file_and_line(tmp_path):
    bad = tmp_path / "facts.jsonl"
    bad.write_text('{"id": "F01"\n')
    with pytest.raises(DataError, match=r"facts.jsonl:1: invalid JSON"):
        load_facts(bad)


@pytest.mark.parametrize("text, expected", [
    ("Sesame Credit scores range from 350 to 950.", "F16"),
    ("The People's Bank of China let eight companies pilot credit scoring in 2015.", "F09"),
    ("Redlists honour firms that win compliance awards.", "F31"),
])
def test_linker_finds_the_fact_a_claim_is_about(checker, text, expected):
    assert expected in checker.linker.link([text])[0]


def test_linker_links_above_its_threshold_at_most_top_k_and_never_an_uncited_fact():
    texts = ["sesame credit runs in alipay", "zhima is alibaba's score", "the court list bars flights",
             "defaulters cannot fly", "sesame scores and court lists", "the weather is nice"] * 3
    ids = [["F12"], ["F12"], ["F26"], ["F26"], ["F12", "F26"], []] * 3
    linker = TrainedLinker(["F12", "F26", "F30"], C=10.0, threshold=0.5, top_k=1).fit(texts, ids)
    assert linker.ids == ["F12", "F26"]  # F30 has no training claim
    assert linker.link(["sesame credit in alipay", "defaulters cannot fly", ""]) == [["F12"], ["F26"], []]
    assert linker.link([]) == []
    both = TrainedLinker(["F12", "F26"], C=10.0, threshold=0.0, top_k=2).fit(texts, ids)
    assert len(both.link(["zhima"])[0]) == 2
