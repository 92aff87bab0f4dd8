import csv
import json

import pytest
from conftest import FIXTURES, fast_params

from pipeline.agreement import agreement, cohen_kappa, krippendorff_alpha
from pipeline.cli import build_parser, main
from pipeline.corpus import load_claims, split_of
from pipeline.facts import DataError, load_facts
from pipeline.labelstudio import read_export
from pipeline.review import (
    EXPORT_COLUMNS,
    claim_key,
    collect_reviews,
    context_around,
    export_review,
    neutralise,
    select_claims,
    unneutralise,
)
from pipeline.reviewed import import_reviews, merge_row, retrain


def scored_record(article_id: str, n: int, text: str, label: str = "accurate", subtype: str = "",
                  confidence: float = 0.9, **extra) -> dict:
    return {"article_id": article_id, "claim_id": f"{article_id}:{n}", "text": text, "start": 0, "end": len(text),
            "label": label, "subtype": subtype, "stance": "asserted", "confidence": confidence,
            "evidence": "F19:contradicts;F28:contradicts", "rules": "", "needs_review": False, "reason": "",
            "context": "", "stance_cue": "", "title": "t", "url": "", "outlet": "o", "published": "", **extra}


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def review(row: dict, label: str, subtype: str = "", stance: str = "asserted", reviewer: str = "alice") -> dict:
    return {**row, "reviewer_label": label, "reviewer_subtype": subtype, "reviewer_stance": stance,
            "reviewer": reviewer}


@pytest.fixture
def scored(tmp_path):
    """A hand-made `score` output: no model needed to test export and import."""
    return write_jsonl(tmp_path / "claims.jsonl", [
        scored_record("a1", 1, "Every citizen is given a score.", "exaggeration", "universal_scoring", 0.55),
        scored_record("a1", 2, "Sesame Credit is opt-in.", "accurate", "", 0.95),
        scored_record("a2", 1, "A low Sesame score gets you banned from trains.", "conflation",
                      "score_vs_blacklist", 0.70),
        scored_record("a2", 2, "The courts keep a blacklist of defaulters.", "accurate", "", 0.60),
    ])


@pytest.fixture
def exported(scored, tmp_path):
    out = tmp_path / "review.csv"
    export_review(scored, out, manifest_path=tmp_path / "no-manifest.json")
    return read_rows(out)


# --- export ------------------------------------------------------------------------------

def test_export_has_one_row_per_claim_with_empty_reviewer_columns(exported):
    assert list(exported[0]) == list(EXPORT_COLUMNS)
    assert [r["confidence"] for r in exported] == ["0.55", "0.6", "0.7", "0.95"]  # least confident first
    assert all(r[c] == "" for r in exported for c in ("reviewer_label", "reviewer_subtype", "reviewer_stance",
                                                         "reviewer", "comment"))
    row = exported[0]
    assert row["id"] == claim_key("a1", "Every citizen is given a score.") and row["claim_id"] == "a1:1"
    assert row["fact_ids"] == "F19;F28" and row["evidence"].startswith("F19 (contradicts): ")
    assert "no negative consequences" in row["evidence"]  # the fact's statement, not just its id


@pytest.mark.parametrize("text, claim, before, after", [
    ("First one. The claim is here. Last one. Not this.", "The claim is here.", "First one.", "Last one."),
    ("Headline\n\nThe claim is here.\nNext paragraph.", "The claim is here.", "Headline", "Next paragraph."),
    ("The claim is here.", "The claim is here.", "", ""),
    # a clause claim also gets the rest of its own sentence
    ("Prior. Critics say that every citizen is scored, which is false. After.", "every citizen is scored",
     "Prior. Critics say that", ", which is false. After."),
])
def test_context_around(text, claim, before, after):
    start = text.index(claim)
    assert context_around(text, start, start + len(claim)) == (before, after)


def test_strategies_are_deterministic(scored, tmp_path):
    from pipeline.review import read_scored

    records, _ = read_scored(scored)
    assert [r["confidence"] for r in select_claims(records, "uncertainty", 2)] == [0.55, 0.6]
    balanced = select_claims(records, "stratified", 3, seed=1)
    assert sorted(r["label"] for r in balanced) == ["accurate", "conflation", "exaggeration"]
    assert select_claims(records, "random", 2, seed=7) == select_claims(records, "random", 2, seed=7)
    assert select_claims(records, "disagreement", None, disagreeing={records[1]["id"]}) == [records[1]]


def test_disagreement_runs_the_rules_on_the_claim(tmp_path):
    dump = write_jsonl(tmp_path / "c.jsonl", [
        scored_record("a", 1, "Every citizen in China is given a social credit score.", "accurate"),
        scored_record("a", 2, "Every citizen in China is given a social credit score!", "exaggeration",
                      "universal_scoring"),
    ])
    export_review(dump, tmp_path / "r.csv", strategy="disagreement")
    assert [r["claim_id"] for r in read_rows(tmp_path / "r.csv")] == ["a:1"]


def test_bom_for_excel(scored, tmp_path):
    export_review(scored, tmp_path / "r.csv", bom=True)
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbfid,")


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "'quoted", "''=x", "plain"])
def test_neutralise_is_inverted_exactly(value):
    assert unneutralise(neutralise(value)) == value
    assert not neutralise(value).startswith(("=", "+", "-", "@"))


def test_formula_cell_survives_export_and_import(tmp_path):
    formula = '=HYPERLINK("http://evil.example","every citizen is scored")'
    dump = write_jsonl(tmp_path / "c.jsonl", [scored_record("x", 1, formula, "exaggeration", "universal_scoring")])
    export_review(dump, tmp_path / "r.csv")
    raw = (tmp_path / "r.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in raw and ",=HYPERLINK" not in raw and ',"=HYPERLINK' not in raw
    rows = read_rows(tmp_path / "r.csv")
    write_rows(tmp_path / "done.csv", [review(rows[0], "exaggeration", "universal_scoring")])
    import_reviews([tmp_path / "done.csv"], tmp_path / "reviewed.csv", date="2024-05-01")
    [row] = read_rows(tmp_path / "reviewed.csv")
    assert row["text"] == formula and row["id"] == claim_key("x", formula)


# --- import ------------------------------------------------------------------------------

def test_bad_rows_are_all_reported_and_nothing_is_written(exported, tmp_path, capsys):
    reviewed = tmp_path / "reviewed.csv"
    write_rows(tmp_path / "ok.csv", [review(exported[0], "exaggeration", "universal_scoring")])
    import_reviews([tmp_path / "ok.csv"], reviewed, date="2024-05-01")
    before = reviewed.read_bytes()
    rows = [review(exported[0], "exaggeration", "universal_scoring"),           # line 2: fine
            review(exported[1], "acurate"),                                      # line 3: bad label
            review({**exported[2], "id": "a2#0000000000"}, "accurate"),         # line 4: unknown claim id
            review(exported[3], "conflation", "mandatory")]                      # line 5: mismatch
    bad = write_rows(tmp_path / "bad.csv", rows)
    assert main(["review", "import", str(bad), "--reviewed", str(reviewed)]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [
        f"scs-claims: error: {bad}:3: unknown label 'acurate'",
        f"scs-claims: error: {bad}:4: unknown claim id 'a2#0000000000' (not from an export, or its id, article_id "
        "or text cell was edited)",
        f"scs-claims: error: {bad}:5: subtype 'mandatory' is not allowed for label 'conflation'",
    ]
    assert reviewed.read_bytes() == before


def test_skip_invalid_imports_the_good_rows(exported, tmp_path):
    bad = write_rows(tmp_path / "bad.csv", [review(exported[0], "accurate"), review(exported[1], "acurate")])
    result = import_reviews([bad], tmp_path / "reviewed.csv", skip_invalid=True, date="2024-05-01")
    assert result["counts"]["added"] == 1 and len(result["skipped"]) == 1
    assert [r["id"] for r in read_rows(tmp_path / "reviewed.csv")] == [exported[0]["id"]]


def test_reimport_changes_nothing(exported, tmp_path):
    done = write_rows(tmp_path / "done.csv", [review(exported[0], "accurate"),
                                              review(exported[2], "conflation", "score_vs_blacklist")])
    reviewed = tmp_path / "reviewed.csv"
    first = import_reviews([done], reviewed, date="2024-05-01")
    content = reviewed.read_bytes()
    again = import_reviews([done], reviewed, date="2024-06-30")  # another day: still nothing to change
    assert first["changed"] and not again["changed"]
    assert again["counts"] == {"unchanged": 2} and reviewed.read_bytes() == content


def test_blank_reviewer_cells_are_not_imported(exported, tmp_path):
    untouched = write_rows(tmp_path / "r.csv", exported)
    result = import_reviews([untouched], tmp_path / "reviewed.csv")
    assert result["blank"] == 4 and result["total"] == 0
    assert [r for r in read_rows(tmp_path / "reviewed.csv")] == []
    half = write_rows(tmp_path / "half.csv", [{**exported[0], "reviewer_stance": "asserted"}])
    with pytest.raises(DataError, match="half.csv:2: .*reviewer_label blank"):
        import_reviews([half], tmp_path / "reviewed.csv")


def test_reviewed_rows_carry_provenance_and_load_as_a_corpus(exported, tmp_path):
    done = write_rows(tmp_path / "done.csv", [{**review(exported[2], "conflation", "score_vs_blacklist"),
                                               "comment": "=clear case", "model_sha256": "abc"}])
    import_reviews([done], tmp_path / "reviewed.csv", date="2024-05-01")
    [row] = read_rows(tmp_path / "reviewed.csv")
    assert row["group"] == "a2" and row["register"] == "wire" and row["reviewer"] == "alice"
    assert (row["reviewed_on"], row["source"], row["model_sha256"]) == ("2024-05-01", "done.csv", "abc")
    assert row["comment"] == "=clear case" and row["predicted_label"] == "conflation"
    assert len(load_claims(tmp_path / "reviewed.csv", load_facts())) == 1  # valid as a corpus file


def test_disagreeing_files_are_refused_naming_both(exported, tmp_path):
    alice = write_rows(tmp_path / "alice.csv", [review(exported[0], "exaggeration", "universal_scoring"),
                                                review(exported[1], "accurate")])
    bob = write_rows(tmp_path / "bob.csv", [review(exported[0], "exaggeration", "universal_scoring", reviewer="bob"),
                                            review(exported[1], "exaggeration", "severity", reviewer="bob")])
    with pytest.raises(DataError) as err:
        import_reviews([alice, bob], tmp_path / "reviewed.csv")
    assert str(err.value) == (f"{bob}:3: claim {exported[1]['id']!r}: exaggeration/severity asserted (bob) disagrees "
                              f"with {alice}:3: accurate asserted (alice); resolve it first (see `scs-claims review "
                              "agreement`)")
    assert not (tmp_path / "reviewed.csv").exists()
    result = import_reviews([alice, bob], tmp_path / "reviewed.csv", skip_invalid=True, date="2024-05-01")
    [row] = read_rows(tmp_path / "reviewed.csv")
    assert result["counts"] == {"added": 1} and row["reviewer"] == "alice;bob" and row["source"] == "alice.csv;bob.csv"


def test_a_later_verdict_from_another_reviewer_needs_overwrite():
    old = {"text": "t", "label": "accurate", "subtype": "", "stance": "asserted", "reviewer": "alice",
           "source": "a.csv", "fact_ids": "", "comment": ""}
    bob = {**old, "label": "conflation", "subtype": "other", "reviewer": "bob", "source": "b.csv"}
    assert merge_row(old, bob, overwrite=False) is None
    assert merge_row(old, bob, overwrite=True) == bob
    assert merge_row(old, {**bob, "reviewer": "alice"}, overwrite=False)["label"] == "conflation"  # changed her mind
    assert merge_row(old, {**old, "reviewer": "bob"}, overwrite=False)["reviewer"] == "alice;bob"


# --- agreement ---------------------------------------------------------------------------

def test_cohen_kappa_by_hand():
    a = ["accurate", "accurate", "accurate", "conflation", "conflation", "exaggeration"]
    b = ["accurate", "accurate", "conflation", "conflation", "conflation", "exaggeration"]
    # p_o = 5/6. Marginals: A 3/2/1, B 2/3/1 of 6, so p_e = (3*2 + 2*3 + 1*1) / 36 = 13/36.
    # kappa = (5/6 - 13/36) / (1 - 13/36) = (17/36) / (23/36) = 17/23 = 0.7391
    assert cohen_kappa(a, b) == pytest.approx(17 / 23)
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None


def test_krippendorff_alpha_by_hand():
    units = [["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"], ["a", "b"], ["a"]]
    # Coincidences (each ordered pair of a unit weighs 1/(m-1)): unit 1 gives o_aa 6*1/2 = 3;
    # unit 2 gives o_aa 1, o_ab 1, o_ba 1; unit 3 gives o_bb 3; unit 4 (m=2) gives o_ab 1, o_ba 1;
    # unit 5 is not pairable. So o_aa=4, o_ab=o_ba=2, o_bb=3; n_a=6, n_b=5, n=11.
    # alpha = 1 - (n-1) * (o_ab + o_ba) / (n_a n_b + n_b n_a) = 1 - 10 * 4 / 60 = 1/3
    assert krippendorff_alpha(units) == pytest.approx(1 / 3)
    assert krippendorff_alpha([["a", "a"], ["b", "b"]]) == pytest.approx(1.0)
    assert krippendorff_alpha([["a", "a"], ["a", "a"]]) is None


def test_agreement_command_reports_kappa_and_lists_disagreements(exported, tmp_path, capsys):
    labels = {"alice": ["exaggeration", "accurate", "conflation", "accurate"],
              "bob": ["exaggeration", "accurate", "conflation", "exaggeration"]}
    files = []
    for who, labs in labels.items():
        rows = [review(r, lab, {"exaggeration": "severity", "conflation": "other"}.get(lab, ""), reviewer=who)
                for r, lab in zip(exported, labs, strict=True)]
        files.append(str(write_rows(tmp_path / f"{who}.csv", rows)))
    assert main(["review", "agreement", *files]) == 0
    out = capsys.readouterr().out
    # kappa by hand: p_o = 3/4; marginals alice e1 a2 c1, bob e2 a1 c1: p_e = (2 + 2 + 1)/16 = 5/16;
    # kappa = (12/16 - 5/16) / (11/16) = 7/11 = 0.636
    assert "label      0.636" in out
    assert "1 disagreements" in out and f"{files[1]}:5: exaggeration/severity asserted (bob)" in out
    reviews, _, _ = collect_reviews(files)
    assert agreement(reviews)["fields"]["stance"]["kappa"] is None  # both said "asserted" throughout


# --- Label Studio ------------------------------------------------------------------------

def test_label_studio_round_trip(scored, tmp_path):
    tasks_path = tmp_path / "tasks.json"
    export_review(scored, tasks_path, fmt="labelstudio")
    tasks = json.loads(tasks_path.read_text())
    assert (tmp_path / "tasks.config.xml").read_text().startswith("<View>")
    first = tasks[0]
    assert {r["from_name"]: r["value"]["choices"] for r in first["predictions"][0]["result"]} == {
        "label": ["exaggeration"], "subtype": ["universal_scoring"], "stance": ["asserted"]}
    # what Label Studio exports after a reviewer accepts the first prediction and corrects the second
    first["annotations"] = [{"completed_by": {"id": 3, "email": "alice@example.org"},
                             "updated_at": "2024-05-02T10:00:00Z", "result": first["predictions"][0]["result"]}]
    tasks[1]["annotations"] = [{"completed_by": 4, "created_at": "2024-05-03T09:00:00Z", "result": [
        {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": ["accurate"]}},
        {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": ["reported"]}},
        {"from_name": "comment", "to_name": "text", "type": "textarea", "value": {"text": ["fine"]}}]}]
    tasks[2]["annotations"] = [{"completed_by": 4, "was_cancelled": True, "result": []}]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks))
    assert sum(1 for _ in read_export(export)) == 4
    result = import_reviews([export], tmp_path / "reviewed.csv")
    assert result["counts"] == {"added": 2} and result["blank"] == 2
    rows = {r["id"]: r for r in read_rows(tmp_path / "reviewed.csv")}
    a = rows[first["data"]["id"]]
    assert (a["label"], a["subtype"], a["reviewer"], a["reviewed_on"]) == (
        "exaggeration", "universal_scoring", "alice@example.org", "2024-05-02")
    b = rows[tasks[1]["data"]["id"]]
    assert (b["label"], b["stance"], b["reviewer"], b["comment"]) == ("accurate", "reported", "user4", "fine")


# --- CLI and the whole loop --------------------------------------------------------------

def test_review_steps_have_help_with_an_example():
    review = build_parser()._subparsers._group_actions[0].choices["review"]
    steps = review._subparsers._group_actions[0].choices
    assert set(steps) == {"export", "import", "agreement", "retrain"}
    for name, parser in steps.items():
        assert "example" in parser.format_help() and parser.description, name


def test_export_edit_import_retrain(small_model, small_corpus, tmp_path, capsys):
    model, manifest = map(str, small_model)
    scored = tmp_path / "claims.jsonl"
    assert main(["score", str(FIXTURES / "articles.jsonl"), "-o", str(scored), "-q", "--model", model,
                 "--manifest", manifest]) == 0
    sheet = tmp_path / "review.csv"
    assert main(["review", "export", str(scored), "-o", str(sheet), "--articles", str(FIXTURES / "articles.jsonl"),
                 "--manifest", manifest, "--bom"]) == 0
    rows = read_rows(sheet)
    target = next(r for r in rows if r["article_id"] == "alarmist-1" and "banned" in r["text"])
    assert target["context_before"].startswith("Every citizen") and target["model_sha256"]
    assert split_of("alarmist-1") == "train"  # so the reviewed row is training data

    edited = [review(r, "exaggeration", "severity", "hedged", "alice") if r is target else r for r in rows]
    reviewed = tmp_path / "reviewed.csv"
    assert main(["review", "import", str(write_rows(tmp_path / "done.csv", edited)), "--reviewed", str(reviewed),
                 "--corpus", str(small_corpus)]) == 0
    assert "1 added" in capsys.readouterr().err

    params = fast_params(tmp_path)
    result = retrain(small_corpus, reviewed, tmp_path / "retrain", *small_model, params)
    combined = load_claims(result["combined"])
    row = combined[combined["id"] == target["id"]].iloc[0]
    assert (row["target"], row["stance"], row["split"]) == ("exaggeration/severity", "hedged", "train")
    assert len(combined) == len(load_claims(small_corpus)) + 1
    assert result["manifest"]["train_claims"] == int((combined["split"] == "train").sum())
    assert result["before"]["held_out_claims"] == result["after"]["held_out_claims"]
