import pytest

from pipeline.extract import extract_claims
from pipeline.schema import Article, Stance
from pipeline.stance import stance_of


@pytest.mark.parametrize("text, stance", [
    ("Many in the media mistake Sesame Credit for the government's system.", Stance.REFUTED),
    ("The myth that every citizen is scored refuses to die.", Stance.REFUTED),
    ("Contrary to the media narrative, there is no single score.", Stance.REFUTED),
    ("No, a Bad Sesame Score Won't Get You Banned From Flying", Stance.REFUTED),  # a "No, ..." rebuttal
    ("That's not how it works: rail bans follow court judgments, not scores.", Stance.REFUTED),
    ("Verdict: false. A low score cannot keep anyone off a plane.", Stance.REFUTED),
    ("No. Plenty of residents never switch Zhima on.", Stance.ASSERTED),  # an answer, not a rebuttal
    ("According to Reuters, a low score can get you barred from flights.", Stance.REPORTED),
    ("Critics say the system rates every citizen.", Stance.REPORTED),
    ("The EU Chamber warned the system could ruin firms.", Stance.REPORTED),
    ("The scores could one day be linked to the court blacklist.", Stance.HEDGED),
    ("There are fears that the system might become mandatory.", Stance.HEDGED),
    ("There is no single national score.", Stance.ASSERTED),
    ("Sesame Credit scores range from 350 to 950.", Stance.ASSERTED),
])
def test_stance_cues_in_spec_order(nlp, text, stance):
    assert stance_of(nlp(text))[0] is stance


def test_claims_slice_back_to_the_article(nlp, patterns):
    text = ("BEIJING — On a grey morning commuters shuffle past the gates.\n\n"
            "Sesame Credit is a private, opt-in score inside Alipay. It ranges from 350 to 950.\n\n"
            "Is your score about to drop? The weather stayed cold all week.")
    article = Article(id="a1", text=text)
    claims = extract_claims(article, nlp(text), patterns)
    assert [c.text for c in claims] == ["Sesame Credit is a private, opt-in score inside Alipay.",
                                        "It ranges from 350 to 950."]
    for claim in claims:
        assert text[claim.start:claim.end] == claim.text
    assert claims[1].context == "Sesame Credit" and claims[0].context == ""
    assert [c.claim_id for c in claims] == ["a1:1", "a1:2"]


def test_a_line_break_ends_a_sentence_and_a_line_keeps_its_first_word(nlp):
    text = ("LOOK INTO THE BLACK MIRROR\n\nDai and Daum both emphasize that the present project isn't as "
            "sinister as many make it out to be.\nNo. The lists are kept by agencies.")
    assert [s.text.strip() for s in nlp(text).sents] == [
        "LOOK INTO THE BLACK MIRROR",
        "Dai and Daum both emphasize that the present project isn't as sinister as many make it out to be.",
        "No.", "The lists are kept by agencies."]


def test_questions_and_off_topic_sentences_are_not_claims(nlp, patterns):
    text = "Is China scoring its citizens? The football club was fined last week. Nobody knows why."
    assert extract_claims(Article(id="a", text=text), nlp(text), patterns) == []


def test_sentences_about_explaining_the_topic_are_not_claims(nlp, patterns):
    text = ("Making sense of China's social credit system can be a challenge. "
            "Explaining the blacklists to foreign readers is not easy. "
            "Calling Sesame Credit the government's score is wrong. "
            "Being on the courts' blacklist can mean no flights.")
    claims = extract_claims(Article(id="a", text=text), nlp(text), patterns)
    assert [c.text for c in claims] == ["Calling Sesame Credit the government's score is wrong.",
                                        "Being on the courts' blacklist can mean no flights."]


# --- with the shipped detector and stance model --------------------------------------------

def check(checker, text, article_id="t"):
    return checker.check_article(Article(id=article_id, text=text))


def test_two_sentence_claim_with_a_pronoun_is_found_and_resolved(checker):
    text = "China's social credit system gives every citizen a score. It decides who may board a train."
    results = check(checker, text)
    assert [c.text for c, _ in results] == ["China's social credit system gives every citizen a score.",
                                            "It decides who may board a train."]
    second, verdict = results[1]
    assert second.context == "social credit system"
    assert verdict.label.value != "accurate"


def test_sentence_with_two_claims_gives_two_spans(checker):
    text = ("Sesame Credit is a private loyalty score run inside Alipay, but the courts' blacklist of "
            "judgment defaulters is kept by judges.")
    claims = [c for c, _ in check(checker, text)]
    assert len(claims) == 2
    assert claims[0].text.startswith("Sesame Credit") and claims[1].text.startswith("the courts' blacklist")
    for claim in claims:
        assert text[claim.start:claim.end] == claim.text


def test_quoted_claim_is_attributed_to_the_speaker(checker):
    text = ('"Every citizen in China now has a social credit score," said the campaigner. '
            "He added that the scores decide who can travel.")
    claims = [c for c, _ in check(checker, text)]
    assert claims[0].stance is Stance.REPORTED


@pytest.mark.parametrize("text, stance", [
    ("Many Western reports mistake Sesame Credit for the government's social credit system.", Stance.REFUTED),
    ("According to one tabloid, a low Sesame Credit score gets you banned from trains.", Stance.REPORTED),
    ("The social credit scores could one day be merged into a single national rating.", Stance.HEDGED),
    ("There is no single national social credit score.", Stance.ASSERTED),
])
def test_stance_of_extracted_claims(checker, text, stance):
    claims = [c for c, _ in check(checker, text)]
    assert len(claims) == 1 and claims[0].stance is stance


def test_plain_negation_is_accurate_but_a_refuted_myth_keeps_its_label(checker):
    (_, plain), = check(checker, "There is no single national social credit score in China.")
    assert (plain.label.value, plain.stance) == ("accurate", Stance.ASSERTED)
    (_, refuted), = check(checker, "The myth that every Chinese citizen has a social credit score refuses to die.")
    assert (refuted.label.value, refuted.stance) == ("exaggeration", Stance.REFUTED)


def test_reference_article_reports_myths_without_asserting_them(checker):
    from conftest import FIXTURES

    # a copy of ../shared/seed/article.txt, so the test runs wherever the repo is cloned
    text = (FIXTURES / "reference_article.txt").read_text(encoding="utf-8")
    results = check(checker, text, "reference")
    asserted_myths = [c.text for c, v in results if v.label.value != "accurate" and v.stance is Stance.ASSERTED]
    assert asserted_myths == []
    reported = [v for c, v in results if v.label.value != "accurate" and v.stance is not Stance.ASSERTED]
    assert len(reported) >= 5
    def verdict(start):
        v = next(v for c, v in results if c.text.startswith(start))
        return v.label.value, v.subtype, v.stance

    assert verdict("Many in the media mistake Sesame Credit") == ("conflation", "sesame_vs_government",
                                                                  Stance.REFUTED)
    assert verdict("Other times they conflate it with Sesame Credit") == ("conflation", "score_vs_blacklist",
                                                                          Stance.REFUTED)
    assert verdict("In the past, reports have variously claimed")[::2] == ("exaggeration", Stance.REPORTED)
