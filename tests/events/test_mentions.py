"""Event mention extraction on hand-built articles (invented people and places)."""

from __future__ import annotations

import pytest

from storyline.events.mentions import build_lexicon, extract_event_mentions
from tests.events.conftest import T, make_article


def _by_trigger(mentions):
    return {m.trigger: m for m in mentions}


def test_triggers_come_from_lemma_classes(mentions_of):
    article = make_article(
        "a",
        [
            "Kallen met Restin.",
            "The talks were long.",
            "The negotiations continued.",
            "Police arrested twenty students.",
            "The armies held joint exercises.",
            "The elections were rigged.",
            "The summit opened.",
        ],
    )
    found = {(m.trigger, m.event_type) for m in mentions_of(article)}
    assert {
        ("met", "meeting"),
        ("talks", "talks"),
        ("negotiations", "talks"),
        ("arrested", "arrest"),
        ("exercises", "exercise"),
        ("elections", "election"),
        ("summit", "summit"),
    } <= found


def test_singular_talk_and_exercise_are_not_events(mentions_of):
    article = make_article("a", ["There was no talk of reform.", "Patience is an exercise in itself."])
    assert not [m for m in mentions_of(article) if m.event_type in ("talks", "exercise")]


def test_generic_uses_are_skipped(mentions_of):
    article = make_article("a", ["Any meeting at the top level is a special event.", "The plan failed to meet the needs of farmers."])
    assert mentions_of(article) == []


def test_lexicon_is_extensible_by_config(nlp):
    article = make_article("a", ["Dock workers went on strike in Vesk."])
    assert extract_event_mentions(nlp(article.text), article) == []
    lexicon = build_lexicon({"strike": {"nouns": ["strike"], "verbs": ["strike"]}})
    [mention] = extract_event_mentions(nlp(article.text), article, lexicon)
    assert (mention.event_type, mention.place_id) == ("strike", "g_vesk")


def test_context_frames_need_their_context_word(mentions_of):
    article = make_article("a", ["Sudmark will receive a batch of the vaccine.", "Sudmark will receive a batch of grain."])
    deliveries = [m for m in mentions_of(article) if m.event_type == "vaccine_delivery"]
    assert {m.sentence_index for m in deliveries} == {0}


def test_explicit_date_place_participants_and_status(mentions_of):
    article = make_article(
        "a",
        ["On 3 March 2031, Arvo Kallen and Bodo Restin met in Kesselberg near Lindhaven."],
        timexes=[T("3 March 2031", "2031-03-03")],
        published="2031-03-04",
    )
    [mention] = mentions_of(article)
    assert mention.trigger == "met" and mention.sentence_index == 0
    assert article.text[mention.start : mention.end] == "met"
    assert (mention.date_value, mention.date_source) == ("2031-03-03", "explicit")
    assert mention.place_id == "g_kesselberg" and set(mention.place_ids) == {"g_kesselberg", "g_lindhaven"}
    assert set(mention.participant_ids) == {"p_kallen", "p_restin"}
    assert mention.status == "happened"


def test_since_does_not_date_an_event_and_context_does(mentions_of):
    article = make_article(
        "a",
        [
            "On 22 February, Arvo Kallen and Bodo Restin met in Lindhaven.",
            "It was the first time the two leaders talked since 14 September.",
            "The talks lasted four hours.",
        ],
        timexes=[T("22 February", "2031-02-22"), T("14 September", "2030-09-14")],
    )
    by_trigger = _by_trigger(mentions_of(article))
    talked, talks = by_trigger["talked"], by_trigger["talks"]
    assert (talked.date_value, talked.date_source) == ("2031-02-22", "context")
    assert set(talked.participant_ids) == {"p_kallen", "p_restin"}  # "the two leaders"
    assert (talks.date_value, talks.date_source) == ("2031-02-22", "context")
    assert talked.antecedent == by_trigger["met"].key


def test_context_date_does_not_cross_a_place_change(mentions_of):
    article = make_article(
        "a",
        [
            "The leaders recalled their talks in Lindhaven on 21 September.",
            "The talks were useful.",
            "Today the meeting in Grauburg was short.",
        ],
        timexes=[T("21 September", "XXXX-09-21")],
    )
    by_trigger = _by_trigger(mentions_of(article))
    assert by_trigger["talks"].date_value == "XXXX-09-21"  # the bare "talks" refers back
    assert by_trigger["meeting"].date_value is None  # Grauburg is another event


def test_publication_date_is_a_fallback_for_past_tense(mentions_of):
    article = make_article("a", ["Police arrested twenty students in Grauburg."], published="2031-05-02")
    [mention] = mentions_of(article)
    assert (mention.date_value, mention.date_source, mention.status) == ("2031-05-02", "publication", "happened")
    undated = make_article("b", ["Police arrested twenty students in Grauburg."])
    assert mentions_of(undated)[0].date_source == "none"


def test_place_belongs_to_its_own_event(mentions_of):
    article = make_article("a", ["The meeting of Kallen and Restin was held amid protests in Vesk."])
    by_trigger = _by_trigger(mentions_of(article))
    assert by_trigger["protests"].place_id == "g_vesk"
    assert by_trigger["meeting"].place_id is None
    assert set(by_trigger["meeting"].participant_ids) == {"p_kallen", "p_restin"}


def test_reporters_are_not_participants(mentions_of):
    article = make_article(
        "a",
        [
            "Arvo Kallen and Bodo Restin arrived.",
            "According to spokesman Tomas Vell, the two leaders met in Lindhaven.",
            "Ilse Marr said that Kallen met Restin in Grauburg.",
        ],
    )
    meetings = [m for m in mentions_of(article) if m.event_type == "meeting"]
    assert [m.sentence_index for m in meetings] == [1, 2]
    assert set(meetings[0].participant_ids) == {"p_kallen", "p_restin"}  # "the two leaders", not Vell
    assert set(meetings[1].participant_ids) == {"p_kallen", "p_restin"}  # not Marr


def test_nobody_takes_part_in_an_epidemic_the_leaders_discuss(mentions_of):
    article = make_article(
        "a",
        [
            "Arvo Kallen and Bodo Restin arrived.",
            "The two leaders discussed trade and the fight against the winter flu epidemic.",
            "Kallen discussed the earthquake with Restin.",
        ],
    )
    happenings = [m for m in mentions_of(article) if m.trigger in ("epidemic", "earthquake")]
    assert [m.trigger for m in happenings] == ["epidemic", "earthquake"]
    assert all(m.participant_ids == [] for m in happenings)


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Kallen will meet Restin in Vesk.", "scheduled"),
        ("The meeting of Kallen and Restin, set for the end of June, draws attention.", "scheduled"),
        ("Sudmark prepares for the upcoming elections.", "scheduled"),
        ("The summit in Vesk was cancelled.", "cancelled"),
        ("The summit in Vesk was called off.", "cancelled"),
        ("Kallen and Restin met in Vesk.", "happened"),
        ("Kallen may visit Vesk.", "expected"),
    ],
)
def test_status(mentions_of, sentence, status):
    mentions = mentions_of(make_article("a", [sentence]))
    assert mentions and mentions[0].status == status


def test_negated_mentions_are_marked(mentions_of):
    [mention] = mentions_of(make_article("a", ["Kallen and Restin did not talk about the border."]))
    assert mention.negated


def test_seeds_yield_meeting_mentions(seeds_dir, nlp):
    """The real seeds, with no annotations at all: each article talks about a meeting."""
    for path in sorted(seeds_dir.glob("0*.txt")):
        text = path.read_text(encoding="utf-8")
        article = make_article(path.stem[:3], [text])
        families = {m.event_type for m in extract_event_mentions(nlp(text), article)}
        assert families & {"meeting", "talks"}, path.name


def test_dateline_and_bounding_clauses_do_not_date_an_event(mentions_of):
    article = make_article(
        "a",
        [
            "VESK, Feb 16 (Northern Wire) - Kallen will host Restin on Friday in Lindhaven for talks.",
            "It is the first trip since the 2030 crisis.",
            "Police detained 400 people, a record since the unrest began in August.",
        ],
        timexes=[T("Feb 16", "2031-02-16"), T("Friday", "2031-02-17"), T("2030", "2030"), T("August", "2030-08")],
        published="2031-02-16",
        outlet="Northern Wire",
    )
    by_trigger = _by_trigger(mentions_of(article))
    assert by_trigger["talks"].date_value == "2031-02-17"
    assert by_trigger["trip"].date_source != "explicit"
    assert by_trigger["detained"].date_source != "explicit"


def test_generic_and_habitual_uses_are_not_events(mentions_of):
    article = make_article(
        "a",
        [
            "Lindhaven has been used by Kallen for informal summits with foreign leaders.",
            "Restin has visited Vesk regularly.",
            "Thousands marched through Vesk every Sunday.",
        ],
        timexes=[T("every Sunday", None, type="SET")],
    )
    assert mentions_of(article) == []


def test_another_meeting_refers_to_no_earlier_one(mentions_of):
    article = make_article(
        "a",
        ["On 22 February, Kallen and Restin met in Lindhaven.", "They promised another meeting before the end of the year."],
        timexes=[T("22 February", "2031-02-22")],
    )
    by_trigger = _by_trigger(mentions_of(article))
    assert by_trigger["meeting"].antecedent is None and by_trigger["meeting"].date_source != "context"


def test_headline_refers_forward_to_the_sentence_that_dates_it(mentions_of):
    article = make_article(
        "a",
        ["Kallen – Restin: talks with murky outcome", "The summit brought no results.", "The leaders met on 29 June in Vesk."],
        timexes=[T("29 June", "XXXX-06-29")],
    )
    by_trigger = _by_trigger(mentions_of(article))
    assert (by_trigger["summit"].date_value, by_trigger["summit"].date_source) == ("XXXX-06-29", "context")


def test_people_who_only_time_report_or_undergo_it_are_not_participants(mentions_of):
    article = make_article(
        "a",
        [
            "Arvo Kallen and Bodo Restin arrived.",
            "After the talks, Tomas Vell said nothing.",
            "The protests can topple Restin.",
            "The spokesman Ilse Marr said that the parties met in Vesk.",
        ],
    )
    by_trigger = _by_trigger(mentions_of(article))
    assert "p_vell" not in by_trigger["talks"].participant_ids
    assert "p_restin" not in by_trigger["protests"].participant_ids
    assert "p_marr" not in by_trigger["met"].participant_ids


def test_place_through_a_place_noun(mentions_of):
    article = make_article("a", ["Kallen met Restin at the mountain resort of Lindhaven.", "Restin met Vell at the Vesk ski resort."])
    places = [m.place_id for m in mentions_of(article) if m.event_type == "meeting"]
    assert places == ["g_lindhaven", "g_vesk"]


# --- the open trigger set ---------------------------------------------------------------------------


def _types(mentions) -> dict[str, str]:
    return {m.trigger: m.event_type for m in mentions}


def test_frames_cover_deaths_disasters_crime_and_personnel(mentions_of):
    article = make_article(
        "a",
        [
            "Kallen has died, his agent said.",
            "A strong earthquake hit Vesk on Sunday.",
            "The gunman opened fire at the party, killing one man.",
            "Restin checked into rehab in Lindhaven.",
            "The club fired Vell as coach and hired Marr.",
        ],
    )
    types = _types(mentions_of(article))
    assert types["died"] == "death" and "said" not in types  # reporting verbs are no events
    assert types["earthquake"] == "earthquake" and types["hit"] == "earthquake"  # the quake's verb
    assert types["fire"] == "shooting" and types["killing"] == "killing" and "opened" not in types
    assert types["checked"] == "admission" and types["rehab"] == "admission"
    assert types["fired"] == "dismissal" and types["hired"] == "appointment"


def test_open_detector_types_other_events_by_their_lemma(mentions_of, nlp):
    article = make_article("a", ["Engineers restored the service in Vesk.", "Kallen thinks it will work."])
    types = _types(mentions_of(article))
    assert types == {"restored": "restore"}  # "thinks" is no event, "work" has no argument of its own
    lexicon = build_lexicon(open_detector=False)
    assert extract_event_mentions(nlp(article.text), article, lexicon) == []


def test_misfires_of_the_words_alone_are_corrected(mentions_of):
    article = make_article(
        "a",
        [
            "Kallen died after suffering cardiac arrest.",
            "Restin attacked Vell over the oil spill.",
            "Police fired at the crowd in Vesk.",
            "The team fell to dead last.",
            "Marr won the elections in Sudmark.",
        ],
    )
    found = [(m.trigger, m.event_type) for m in mentions_of(article)]
    assert ("arrest", "illness") in found and ("arrest", "arrest") not in found
    assert not any(t == "attacked" for t, _ in found)  # a named person attacking with words
    assert ("spill", "spill") in found
    assert ("fired", "shooting") in found
    assert not any(t == "dead" for t, _ in found)
    assert ("elections", "election") in found and not any(t == "won" for t, _ in found)  # a support verb


def test_open_triggers_do_not_take_the_frames_roles(mentions_of):
    """A frame's trigger keeps the date of its sentence when an open trigger is nearer to it."""
    article = make_article(
        "a",
        ["This is true for the meeting of Arvo Kallen and Bodo Restin, arranged for the end of February."],
        timexes=[T("the end of February", "XXXX-02", mod="END")],
    )
    meeting = next(m for m in mentions_of(article) if m.event_type == "meeting")
    assert meeting.date_value == "XXXX-02"


def test_their_talks_after_the_parties_are_the_principal_peoples(mentions_of):
    article = make_article(
        "a",
        [
            "Arvo Kallen and Bodo Restin met in Kesselberg.",
            "A spokesman said the parties had fixed decisions prepared at their previous talks in Lindhaven.",
        ],
    )
    talks = next(m for m in mentions_of(article) if m.event_type == "talks")
    assert set(talks.participant_ids) == {"p_kallen", "p_restin"}


def test_a_date_of_something_else_on_the_way_does_not_date_the_event(mentions_of):
    # A relative clause or an apposition of another noun, or an earlier happening ("a prior
    # offence"), holds the date: it does not date the death or the charges.
    article = make_article(
        "a",
        [
            "Tomas Vell, who moved to Lindhaven in 2019, died on Monday.",
            "Ilse Marr, the 2024 champion, died.",
            "Restin faces new charges because of a prior offence in June 2027.",
            "The meeting, which took place on 3 March 2031, lasted three hours.",
        ],
        timexes=[T("2019", "2019"), T("Monday", "2031-03-10"), T("2024", "2024"), T("June 2027", "2027-06"),
                 T("3 March 2031", "2031-03-03")],
    )
    by_sentence = {(m.sentence_index, m.event_type): m for m in mentions_of(article)}
    assert by_sentence[(0, "death")].date_value == "2031-03-10"
    assert by_sentence[(1, "death")].date_source != "explicit"
    assert by_sentence[(2, "charge")].date_value != "2027-06"
    # A relative clause of the trigger itself still dates it.
    assert by_sentence[(3, "meeting")].date_value == "2031-03-03"


def test_headline_does_not_take_the_date_of_someone_elses_event(mentions_of):
    # The headline is Vell's arrest, told next; Kallen's arrest in January is an earlier one.
    article = make_article(
        "a",
        ["A Lindhaven player has been arrested.", "Tomas Vell was arrested by police.",
         "Arvo Kallen was arrested in January."],
        timexes=[T("January", "2031-01")],
    )
    by_sentence = {m.sentence_index: m for m in mentions_of(article) if m.event_type == "arrest"}
    assert by_sentence[2].date_value == "2031-01"
    assert by_sentence[0].date_value != "2031-01" and by_sentence[0].antecedent != by_sentence[2].key


def test_headline_takes_the_date_of_the_same_persons_event(mentions_of):
    article = make_article(
        "a",
        ["A Lindhaven player has been arrested.", "Tomas Vell was arrested by police.",
         "Vell was arrested on 3 March 2031 in Vesk."],
        timexes=[T("3 March 2031", "2031-03-03")],
    )
    by_sentence = {m.sentence_index: m for m in mentions_of(article) if m.event_type == "arrest"}
    assert (by_sentence[0].date_value, by_sentence[0].date_source) == ("2031-03-03", "context")


def test_a_relative_clause_inside_a_nominal_triggers_phrase_still_dates_it(mentions_of):
    article = make_article(
        "a",
        ["Police arrested two men over the murder of Tomas Vell, which took place on 3 March 2031 in Vesk."],
        timexes=[T("3 March 2031", "2031-03-03")],
    )
    [murder] = [m for m in mentions_of(article) if m.trigger == "murder"]
    assert murder.date_value == "2031-03-03"


@pytest.mark.parametrize(
    "sentence, talks",
    [
        ("Analysts in Vesk talk about the cost of the new bridge.", False),
        ("In this light, talk about a common currency is premature.", False),
        ("Kallen talks about the cost of the new bridge in an interview.", False),
        ("Talks about the border resumed in Vesk on Monday.", True),
        ("Kallen talks with Restin about the border on Monday.", True),
        ("Kallen talked with Restin about the border on Monday.", True),
        ("Kallen and Restin talked about the border on Monday.", True),
        ("Kallen and Restin held talks about the border on Monday.", True),
    ],
)
def test_talking_about_a_topic_is_no_talks_between_parties(mentions_of, sentence, talks):
    types = [m.event_type for m in mentions_of(make_article("a", [sentence]))]
    assert ("talks" in types) == talks, types


def test_a_lead_mention_takes_no_date_from_talks_marked_as_earlier(mentions_of):
    # The lead speaks of today's talks; the dated talks further on are "the previous" ones.
    text = [
        "The results of the talks between Kallen and Restin remain unknown.",
        "Officials said the sides confirmed decisions agreed at the previous talks in Vesk on 21 September.",
    ]
    dates = [T("21 September", "XXXX-09-21")]
    lead = mentions_of(make_article("a", text, timexes=dates))[0]
    assert lead.sentence_index == 0 and lead.event_type == "talks"
    assert lead.date_value != "XXXX-09-21" and lead.antecedent is None
    # Without "previous" the later, dated talks are the lead's (the forward reference).
    plain = mentions_of(make_article("b", [text[0], text[1].replace("the previous talks", "the talks")],
                                     timexes=dates))[0]
    assert plain.antecedent is not None and plain.date_value.endswith("09-21")


@pytest.mark.parametrize(
    "sentence, death",
    [
        ("A judge in Vesk sentenced Varn to death on Monday.", False),
        ("Varn was condemned to death for the murder of a guard.", False),
        ("Judge sentences Varn to death", False),
        ("Prosecutors in Vesk will seek the death penalty for Varn.", False),
        ("Varn has spent ten years on death row in Vesk.", False),
        ("The mayor of Vesk received a death threat on Monday.", False),
        ("Restin was beaten to death in Vesk on Monday.", True),
        ("The death of Restin shocked Vesk.", True),
    ],
)
def test_a_death_sentence_is_no_death(mentions_of, sentence, death):
    # A punishment, a threat: nobody has died (yet); "beaten to death" is a death.
    types = [m.event_type for m in mentions_of(make_article("a", [sentence]))]
    assert ("death" in types) == death, types


@pytest.mark.parametrize(
    "sentence, trigger, people",
    [
        ("Judge Marr called the slaying of Restin cowardly.", "slaying", {"p_restin"}),
        ("Marr described the killing of Restin as an execution.", "killing", {"p_restin"}),
        ("Kallen condemned the attack on Restin in Vesk.", "attack", {"p_restin"}),
        ("Kallen shot Restin in Vesk on Monday.", "shot", {"p_kallen", "p_restin"}),
    ],
)
def test_who_describes_or_judges_an_event_takes_no_part_in_it(mentions_of, sentence, trigger, people):
    # The judge and the mayor speak about the event from outside it; the attacker took part.
    [mention] = [m for m in mentions_of(make_article("a", [sentence])) if m.trigger == trigger]
    assert set(mention.participant_ids) == people


@pytest.mark.parametrize(
    "sentence, trigger, people",
    [
        ("Bodo Restin, a former aide who was rumored to be Arvo Kallen, has died.", "died", {"p_restin"}),
        ("Restin, who helped the rebels by becoming Kallen, died on Thursday in Vesk.", "died", {"p_restin"}),
        ("The man killed in Vesk on Monday was Bodo Restin.", "killed", {"p_restin"}),
    ],
)
def test_who_someone_else_is_said_to_be_takes_no_part(mentions_of, sentence, trigger, people):
    # An alias or a rumoured identity in a clause of its own describes the subject; the main
    # clause's "was Bodo Restin" names the victim.
    [mention] = [m for m in mentions_of(make_article("a", [sentence])) if m.trigger == trigger]
    assert set(mention.participant_ids) == people


@pytest.mark.parametrize(
    "sentence, death",
    [
        ("Marr said she would reveal the name of her source once he was dead.", False),
        ("Marr said she would name him when he died.", False),
        ("Police in Vesk arrested Restin after the guard died on Monday.", True),
        ("Kallen will resign after the fire killed two guards in Vesk.", True),
        ("Kallen said he would resign after the guard died on Monday.", True),
    ],
)
def test_a_death_that_only_sets_when_a_promise_is_kept_is_no_death(mentions_of, sentence, death):
    # A condition of a hypothetical act reports no death; a past death that times another act
    # does.
    types = [m.event_type for m in mentions_of(make_article("a", [sentence]))]
    assert ("death" in types or "killing" in types) == death, types


@pytest.mark.parametrize(
    "sentence, trigger",
    [
        ("Marek and Ostrov will sign the agreement after the talks in Lindhaven on Friday.", "talks"),
        ("The ministers will meet again before the summit in Grauburg next week.", "summit"),
        ("The two leaders will sign the deal once they meet in Lindhaven.", "meet"),
        ("The opposition would return to the streets after the election.", "election"),
    ],
)
def test_an_event_that_times_a_future_act_is_still_an_event(mentions_of, sentence, trigger):
    # A preview announces the talks it times the signing by; only a hypothetical condition
    # under "would" ("once he was dead") is no event.
    assert trigger in [m.trigger for m in mentions_of(make_article("a", [sentence]))]
