import pytest

from pipeline.extract import extract_claims
from pipeline.schema import Article, Stance
from pipeline.stance import stance_of


@pytest.mark.parametrize("text, stance", [
    ("Many in the media mistake Sesame Credit for the government's system.", Stance.REFUTED),
    ("The myth that every citizen is scored refuses to die.", Stance.REFUTED),
    ("Contrary to the media narrative, there is no single score.", Stance.REFUTED),
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


def test_questions_and_off_topic_sentences_are_not_claims(nlp, patterns):
    text = "Is China scoring its citizens? The football club was fined last week. Nobody knows why."
    assert extract_claims(Article(id="a", text=text), nlp(text), patterns) == []
