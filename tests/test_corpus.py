import csv

import pytest

from pipeline.config import CLAIMS_PATH
from pipeline.corpus import REGISTERS, load_claims, split_of, validate_claim_row
from pipeline.facts import DataError
from pipeline.schema import Label, Stance


@pytest.fixture(scope="module")
def corpus(facts):
    return load_claims(CLAIMS_PATH, facts)


def test_corpus_validates_and_is_large_enough(corpus):
    assert len(corpus) >= 400
    assert corpus["id"].is_unique
    assert set(corpus["label"]) == {lab.value for lab in Label}
    assert set(corpus["stance"]) <= {s.value for s in Stance}
    assert set(corpus["register"]) <= set(REGISTERS)


def test_texts_are_unique(corpus):
    normalised = corpus["text"].str.lower().str.split().str.join(" ")
    assert normalised.is_unique


def test_split_is_grouped(corpus):
    sides = corpus.groupby("group")["split"].nunique()
    assert (sides == 1).all()
    share = (corpus["split"] == "test").mean()
    assert 0.1 < share < 0.3


def test_split_is_a_pure_function_of_the_group():
    assert split_of("T-G001") == split_of("T-G001")
    assert {split_of(f"G{i}") for i in range(50)} == {"train", "test"}


@pytest.mark.parametrize("change, message", [
    ({"label": "wrong"}, "unknown label"),
    ({"label": "accurate", "subtype": "mandatory"}, "takes no subtype"),
    ({"label": "conflation", "subtype": "mandatory"}, "not allowed for label"),
    ({"stance": "claimed"}, "unknown stance"),
    ({"fact_ids": "F99"}, "unknown fact id"),
    ({"text": "  "}, "empty text"),
])
def test_bad_rows_are_caught(facts, change, message):
    row = {"id": "X-1", "text": "Sesame Credit is opt-in.", "label": "accurate", "subtype": "",
           "stance": "asserted", "fact_ids": "F14", "group": "X-G1", "register": "wire"}
    assert validate_claim_row(row, facts) == []
    assert any(message in p for p in validate_claim_row({**row, **change}, facts))


def test_load_claims_reports_file_and_line(tmp_path, facts):
    path = tmp_path / "claims.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text", "label", "subtype", "stance", "fact_ids", "group", "register"])
        w.writerow(["A", "Sesame Credit is opt-in.", "accurate", "", "asserted", "F14", "G1", "wire"])
        w.writerow(["B", "Everyone is scored.", "exaggeration", "everyone", "asserted", "", "G2", "wire"])
    with pytest.raises(DataError, match=r"claims.csv:3: subtype 'everyone'"):
        load_claims(path, facts)
