import csv

import pandas as pd
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


# --- the corpus issue's counts and quality checks -------------------------------------------

@pytest.fixture(scope="module")
def report():
    from pipeline.corpus_report import corpus_report

    return corpus_report()


def test_claim_counts_meet_the_targets(report):
    c = report["claims"]
    assert c["claims"] >= 2500
    counts = c["label_subtype"]
    assert counts["accurate"] >= 800
    assert counts["conflation/sesame_vs_government"] >= 300 and counts["conflation/score_vs_blacklist"] >= 300
    assert counts["conflation/other"] >= 100
    for sub in ("universal_scoring", "mandatory", "unified_system", "surveillance", "severity", "other"):
        assert counts[f"exaggeration/{sub}"] >= 80, sub
    assert all(share >= 0.10 for share in c["stance_share"].values()) and len(c["stance_share"]) == 4
    assert len(c["register"]) >= 8


def test_no_near_duplicates_across_the_split_and_few_within(report):
    c = report["claims"]
    assert c["near_duplicates_across_split"] == 0 and c["groups_on_both_sides"] == 0
    assert c["near_duplicate_rate"] < 0.03


def test_every_claim_was_read_twice_and_the_readings_mostly_agree(report):
    g = report["agreement"]  # present only when both files exist; building it checks them against claims.csv
    assert g["all"]["claims"] == report["claims"]["claims"]
    assert g["all"]["label"]["kappa"] >= 0.8 and g["test"]["label"]["kappa"] >= 0.8
    assert g["disputed"] == sum(g["choice"].values()) > 0


def test_articles_are_a_gold_set_for_extraction(report):
    a = report["articles"]
    assert a["articles"] >= 60
    assert set(a["style"]) == {"alarmist", "careful", "debunking", "mixed", "off_topic"}
    assert 250 <= a["words_min_max"][0] and a["words_min_max"][1] <= 800
    assert set(a["stance"]) == {"asserted", "reported", "refuted", "hedged"}


def test_off_topic_articles_have_no_claims_and_others_do(facts):
    from pipeline.config import ARTICLES_PATH
    from pipeline.corpus import load_articles

    for art in load_articles(ARTICLES_PATH, facts):
        assert (art["style"] == "off_topic") == (not art["claims"]), art["id"]
        for claim in art["claims"]:
            assert art["text"][claim["start"]:claim["end"]] == claim["text"]


def test_jaccard_and_5gram_measures_by_hand():
    from pipeline.corpus_report import near_duplicates, unique_5gram_share

    texts = ["Sesame Credit is a private score.", "Sesame Credit is a private score!", "Blacklists are separate."]
    assert near_duplicates(texts) == [(0, 1, 1.0)]
    assert near_duplicates(["a b c d", "a b c e"], threshold=0.5) == [(0, 1, 0.6)]  # 3 shared of 5
    assert unique_5gram_share(["one two three four five six", "two three four five six seven", "x y z"]) == 1 / 3


# --- double annotation: second readings, adjudication, Cohen's kappa ----------------------

def _agreement_files(tmp_path, second_rows, adjudication_rows):
    second, adjudication = tmp_path / "second_annotation.csv", tmp_path / "adjudication.csv"
    with open(second, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "label", "subtype", "stance", "sure"])
        w.writerows(second_rows)
    with open(adjudication, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "first_label", "first_subtype", "first_stance", "choice", "reason"])
        w.writerows(adjudication_rows)
    return second, adjudication


FINAL = [  # id, label, subtype, stance, split: the final readings, as in claims.csv
    ("a", "accurate", "", "asserted", "train"),
    ("b", "conflation", "sesame_vs_government", "refuted", "train"),
    ("c", "exaggeration", "severity", "hedged", "test"),
    ("d", "accurate", "", "asserted", "test"),
]


def _final_frame():
    return pd.DataFrame(FINAL, columns=["id", "label", "subtype", "stance", "split"])


def test_agreement_rebuilds_both_readings_and_scores_them(tmp_path):
    from sklearn.metrics import cohen_kappa_score

    from pipeline.corpus_report import agreement_report

    # b: the second annotator said accurate and lost; c: they said reported and won; d: neither won
    second, adjudication = _agreement_files(tmp_path, [
        ("a", "accurate", "", "asserted", "1"), ("b", "accurate", "", "asserted", "0"),
        ("c", "exaggeration", "severity", "hedged", "1"), ("d", "conflation", "other", "asserted", "0"),
    ], [
        ("b", "conflation", "sesame_vs_government", "refuted", "first", "names the myth"),
        ("c", "exaggeration", "severity", "reported", "second", "no one named"),
        ("d", "exaggeration", "unified_system", "asserted", "neither", "plain negation"),
    ])
    report = agreement_report(_final_frame(), second, adjudication)
    first_labels = ["accurate", "conflation", "exaggeration", "exaggeration"]
    second_labels = ["accurate", "accurate", "exaggeration", "conflation"]
    assert report["all"]["label"]["kappa"] == round(cohen_kappa_score(first_labels, second_labels), 4)
    assert report["all"]["label"]["agreement"] == 0.5
    assert report["all"]["stance"]["agreement"] == 0.5  # b and c differ on stance
    assert report["test"]["claims"] == 2 and report["test"]["label"]["agreement"] == 0.5
    assert report["disputed"] == 3 and report["choice"] == {"first": 1, "second": 1, "neither": 1}


@pytest.mark.parametrize("second_rows, adjudication_rows, message", [
    ([("a", "accurate", "", "asserted", "1")], [], r"no second reading for 3 claim"),
    ([(cid, lab, sub, st, "1") for cid, lab, sub, st, _ in FINAL[:3]] + [("d", "conflation", "other", "asserted", "1")],
     [], r"1 disputed claim\(s\) not adjudicated, e.g. d"),
    ([(cid, lab, sub, st, "1") for cid, lab, sub, st, _ in FINAL],
     [("a", "accurate", "", "asserted", "first", "")], r"adjudication.csv:2: a is adjudicated but both readings agree"),
    ([(cid, lab, sub, st, "1") for cid, lab, sub, st, _ in FINAL[:3]] + [("d", "conflation", "other", "asserted", "1")],
     [("d", "conflation", "other", "refuted", "first", "")], r"adjudication.csv:2: claims.csv has accurate//asserted "
                                                                r"for d, not the first reading"),
    ([(cid, lab, sub, st, "1") for cid, lab, sub, st, _ in FINAL[:3]] + [("d", "conflation", "other", "asserted", "1")],
     [("d", "conflation", "other", "refuted", "maybe", "")], r"adjudication.csv:2: choice 'maybe'"),
    ([(cid, lab, sub, st, "1") for cid, lab, sub, st, _ in FINAL[:3]] + [("d", "conflation", "other", "asserted", "1")],
     [("d", "accurate", "", "asserted", "first", ""), ("d", "accurate", "", "asserted", "first", "")],
     r"adjudication.csv:3: d is adjudicated twice"),
    ([(cid, lab, sub, st, "1") for cid, lab, sub, st, _ in FINAL] + [("z", "accurate", "", "asserted", "1")],
     [], r"second_annotation.csv:6: claim id 'z' is not in claims.csv"),
])
def test_agreement_files_that_disagree_are_named(tmp_path, second_rows, adjudication_rows, message):
    from pipeline.corpus_report import agreement_report

    second, adjudication = _agreement_files(tmp_path, second_rows, adjudication_rows)
    with pytest.raises(DataError, match=message):
        agreement_report(_final_frame(), second, adjudication)
