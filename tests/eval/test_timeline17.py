"""Timeline17 harness: date choice, sentence choice and scoring on hand-made data; one real task, subset."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from storyline.eval.datasets import read_timeline17
from storyline.eval.runner import temporary_corpus
from storyline.eval.timeline17 import (
    EventRecord,
    SentenceRecord,
    TaskData,
    TfIdf,
    central_sentences,
    choose_dates,
    date_scores,
    evaluate_built,
    format_report,
    make_timeline,
    parse_day,
    T17Report,
    task_articles,
)

BENCHMARKS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"

D1, D2, D3 = date(2010, 4, 20), date(2010, 4, 22), date(2010, 5, 2)


def _data() -> TaskData:
    s = [
        SentenceRecord("a1", 0, "The Deepwater Horizon rig exploded in the Gulf of Mexico on 20 April.", (D1,)),
        SentenceRecord("a1", 1, "Eleven workers were killed when the rig exploded on 20 April.", (D1,)),
        SentenceRecord("a2", 0, "The Deepwater Horizon rig exploded and caught fire on 20 April, officials said.", (D1,)),
        SentenceRecord("a2", 1, "The burning rig sank into the Gulf of Mexico on 22 April.", (D2,)),
        SentenceRecord("a3", 0, "President Obama visited the Louisiana coast on 2 May to see the spill.", (D3,)),
        SentenceRecord("a3", 1, "Too short on 2 May.", (D3,)),
    ]
    events = [
        EventRecord("ev1", D3, articles=3, mentions=4, key_sentences=(("a3", 0),)),
        EventRecord("ev2", None, articles=9, mentions=9, key_sentences=()),  # not day-dated: ignored
    ]
    published = {"a1": date(2010, 4, 21), "a2": date(2010, 4, 23), "a3": date(2010, 5, 3)}
    return TaskData({x.key: x for x in s}, events, published)


def test_parse_day() -> None:
    assert parse_day("2010-04-20") == D1 and parse_day("2010-04-20T10:00") == D1
    assert parse_day("2010-04") is None and parse_day("XXXX-04-20") is None and parse_day("2010-02-30") is None


def test_date_scores_by_strategy() -> None:
    data = _data()
    assert date_scores(data, "timexes") == Counter({D1: 2, D2: 1, D3: 1})
    assert date_scores(data, "events") == Counter({D3: 3.4})
    assert date_scores(data, "combined") == Counter({D3: 4.4, D1: 2, D2: 1})
    with pytest.raises(ValueError):
        date_scores(data, "nope")


def test_choose_dates_window_ties_and_order() -> None:
    scores = Counter({D1: 2, D2: 1, D3: 1, date(2009, 1, 1): 50})
    # The 2009 date is outside the window; D2 and D3 tie and the earlier wins; output is sorted.
    assert choose_dates(scores, 2, (date(2010, 4, 1), date(2010, 5, 3))) == [D1, D2]
    assert choose_dates(scores, 10, (date(2010, 4, 1), date(2010, 5, 3))) == [D1, D2, D3]


def test_central_sentences_skip_repeats_and_short_ones() -> None:
    texts = [
        "The rig exploded in the Gulf of Mexico late on Tuesday night.",
        "The rig exploded in the Gulf of Mexico late on Tuesday night, officials said.",  # near repeat
        "Eleven workers are missing after the explosion on the rig.",
        "Short one.",
    ]
    tfidf = TfIdf(texts)
    chosen = central_sentences(texts, 3, tfidf)
    assert "Short one." not in chosen
    assert len([t for t in chosen if t.startswith("The rig exploded")]) == 1
    assert len(chosen) == 2
    first = central_sentences(texts, 1, tfidf, first=["Eleven workers are missing after the explosion on the rig."])
    assert first == ["Eleven workers are missing after the explosion on the rig."]


def test_make_timeline_sizes_and_event_key_sentences() -> None:
    data = _data()
    timeline = make_timeline(data, num_dates=2, per_date=1, strategy="combined")
    assert list(timeline) == [D1, D3]
    assert timeline[D3] == ["President Obama visited the Louisiana coast on 2 May to see the spill."]
    assert len(timeline[D1]) == 1 and "20 April" in timeline[D1][0]
    assert list(make_timeline(data, 2, 1, "timexes")) == [D1, D2]


def test_scores_of_a_perfect_timeline(tmp_path: Path) -> None:
    from storyline.eval.timeline17 import score_timeline

    folder = tmp_path / "spill_x"
    (folder / "timelines").mkdir(parents=True)
    (folder / "InputDocs" / "2010-04-21").mkdir(parents=True)
    (folder / "timelines" / "x.txt").write_text(
        "2010-04-20\nThe rig explodes . \n--------------------------------\n"
        "2010-04-22\nThe rig sinks . \n--------------------------------\n", encoding="utf-8")
    (task,) = read_timeline17(tmp_path)
    dates, ar1, ar2 = score_timeline(task, task.timeline)
    assert dates.f1 == ar1.f1 == ar2.f1 == 1.0
    dates, ar1, _ = score_timeline(task, {D1: ["The rig explodes."]})
    assert dates.precision == 1.0 and dates.recall == 0.5 and 0 < ar1.f1 < 1


def test_one_real_task_on_a_subset() -> None:
    root = BENCHMARKS / "timeline17-dev"
    if not root.is_dir():
        pytest.skip(f"{root} is not present")
    task = next(t for t in read_timeline17(root) if t.name.startswith("H1N1_guardian/"))
    # The 16 articles published on or just after the first gold dates keep the test quick.
    subset = replace(task, articles=tuple(a for a in task.articles if a.pub_date <= date(2009, 4, 28))[:16])
    with temporary_corpus(task_articles(subset)) as built:
        result = evaluate_built(subset, built, "combined")
    assert result.articles == len(subset.articles) and sum(result.states.values()) == result.articles
    assert len(result.timeline) <= subset.num_dates
    assert all(len(s) <= result.per_date for s in result.timeline.values())
    assert all(0.0 <= x.f1 <= 1.0 for x in (result.dates, result.ar1, result.ar2))
    assert "MEAN" in format_report(T17Report("combined", [result], 0.0))
