import pytest

from pipeline.rules import numbers_in, run_checks


def fired(text, nlp, patterns, facts):
    return {h.rule for h in run_checks(patterns.find(nlp(text)), facts)}


@pytest.mark.parametrize("text, rule", [
    ("Sesame Credit is the Chinese government's social credit score.", "private_score_as_state"),
    ("Beijing now runs its citizen ratings through Alibaba's Zhima Credit.", "private_score_as_state"),
    ("A low Sesame Credit score can get you banned from high-speed trains.", "score_causes_blacklisting"),
    ("Every citizen in China is being given a social credit score.", "every_citizen_scored"),
    ("Participation in the social credit system is mandatory for all Chinese.", "participation_mandatory"),
    ("China has created a single national score for each of its citizens.", "one_national_score"),
    ("Facial recognition cameras feed your every move into the system in real time.", "total_surveillance"),
    ("Jaywalking or playing too many video games will lower your social credit score.", "trivial_behaviour_punished"),
    ("Court blacklists and tax records are rolled into your social credit score.", "records_rolled_into_score"),
    ("People who ignore a court judgment are put on a blacklist and taken off once they pay.",
     "defaulters_follow_judgments"),
    ("Sesame Credit is a private, opt-in loyalty score run inside Alipay.", "private_score_kept_apart"),
    ("Firms on a redlist are rewarded for exemplary compliance.", "rewards_for_good_conduct"),
    # compulsion phrases carry their own negation: "can't opt out" asserts compulsion
    ("You can't opt out of it in China.", "participation_mandatory"),
    # "not just" adds to the claim; a penalty phrased as "cannot enrol" is the penalty itself
    ("A bad credit score does not just raise your interest rate; it can keep you off the bullet train.",
     "score_causes_blacklisting"),
    ("With a low social credit score your children cannot enrol at the best schools.", "score_causes_blacklisting"),
    # a negation that rejects the myth named in quotation marks is a refutation, not a plain denial
    ("6/ the 'one national database rating everyone' doesn't exist", "one_national_score"),
    ("That \u201csingle national score\u201d simply doesn't exist.", "one_national_score"),
    ("There's no opting out: every adult must be enrolled.", "participation_mandatory"),
    ("Residents have no right to refuse the state's rating.", "participation_mandatory"),
    ("Once enrolled, users can't quit the scheme.", "participation_mandatory"),
])
def test_rule_fires_on_the_myth_or_fact(nlp, patterns, facts, text, rule):
    rules = fired(text, nlp, patterns, facts)
    assert rule in rules and f"{rule}:negated" not in rules


@pytest.mark.parametrize("text, rule", [
    ("There is no single national score.", "one_national_score"),
    ("There isn't a single national score, and people's 'ratings' are private.", "one_national_score"),
    ("Sesame Credit is not mandatory; users opt in.", "participation_mandatory"),
    ("Not every citizen has a social credit score.", "every_citizen_scored"),
    ("A low Sesame Credit score does not get you blacklisted.", "score_causes_blacklisting"),
    # only a negation outside a compulsion or penalty phrase, or a negative subject, denies it
    ("Nobody is forced to join Sesame Credit.", "participation_mandatory"),
    ("No one is required to sign up for Sesame Credit.", "participation_mandatory"),
    ("A low Sesame score won't stop you boarding a plane.", "score_causes_blacklisting"),
])
def test_negated_myth_supports_the_fact_instead(nlp, patterns, facts, text, rule):
    rules = fired(text, nlp, patterns, facts)
    assert rule not in rules
    assert f"{rule}:negated" in rules


@pytest.mark.parametrize("text", [
    "The myth that every citizen is scored refuses to die.",
    "Some fear that every citizen could one day be scored.",
])
def test_refuted_and_hedged_myths_still_fire_for_the_proposition(nlp, patterns, facts, text):
    assert "every_citizen_scored" in fired(text, nlp, patterns, facts)


@pytest.mark.parametrize("text, rule", [
    ("Sesame Credit scores range from 350 to 950.", "sesame_score_range"),
    ("Sesame Credit scores run from 0 to 1,000.", "sesame_score_range:wrong"),
    ("Every Sesame Credit user starts at 600 points.", "sesame_start_score"),
    ("Zhima Credit users start with 1,000 points.", "sesame_start_score:wrong"),
    ("Sesame Credit launched in January 2015.", "sesame_launch_year"),
    ("Sesame Credit was launched by Alibaba in 2013.", "sesame_launch_year:wrong"),
    ("In 2015 the People's Bank of China allowed eight companies to pilot credit scores.", "pboc_pilot_firms"),
    ("The PBOC licensed 12 firms to run credit scores.", "pboc_pilot_firms:wrong"),
    ("The State Council's 2014 outline ran through 2020.", "plan_years"),
    ("The State Council issued its planning outline in 2018.", "plan_years:wrong"),
    ("Beijing's social credit plan is meant to run until 2035.", "plan_years:wrong"),
    ("The 2014 plan set 2020 as its deadline.", "plan_years"),
])
def test_numeric_checks_against_the_facts(nlp, patterns, facts, text, rule):
    assert rule in fired(text, nlp, patterns, facts)


def test_numbers_in_reads_digits_and_words():
    assert numbers_in("eight firms, 1,000 points, 350-950") == [1000, 350, 950, 8]


def test_hits_cite_existing_facts(nlp, patterns, facts):
    hits = run_checks(patterns.find(nlp("A low Sesame score gets you put on the blacklist.")), facts)
    assert hits and all(fid in facts for h in hits for fid in h.fact_ids)
    assert "F19" in hits[0].fact_ids


def test_negation_on_the_noun_a_myth_modifies(nlp, patterns, facts):
    rules = fired("There is no single national social credit score in China.", nlp, patterns, facts)
    assert "one_national_score:negated" in rules and "one_national_score" not in rules


@pytest.mark.parametrize("text", [
    "People with low scores can't buy plane tickets.",
    "My friend's score dropped and he couldn't buy a high-speed rail ticket.",
    "Low score? No plane ticket for you.",
    "If your score drops, no trains, no planes.",
])
def test_a_penalty_phrased_negatively_is_not_a_denial(nlp, patterns, facts, text):
    assert "score_causes_blacklisting" in fired(text, nlp, patterns, facts)
