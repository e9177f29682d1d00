"""Benchmark readers: detokenization always; the readers on ../shared/benchmarks when present."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from storyline.eval.datasets import (
    EcbCorpus,
    detokenize_ptb,
    ecb_document_text,
    read_clust_mcms,
    read_ecbplus,
    read_t17_timeline,
    read_timeline17,
)

BENCHMARKS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path


# --------------------------------------------------------------- detokenize


@pytest.mark.parametrize(
    ("tokenized", "expected"),
    [
        ("BP does n't say `` when '' -LRB- yet -RRB- .", 'BP doesn\'t say "when" (yet).'),
        ("He said : ` This is a BP mess . '", "He said: 'This is a BP mess.'"),
        ("It cost $ 8bn -LRB- # 5.2 bn -RRB- , up 60-70 % .", "It cost $8bn (#5.2 bn), up 60-70%."),
        ("I 'm gon na go , ca n't stop", "I'm gonna go, can't stop"),
        ("the parents ' house -LSB- sic -RSB- -LCB- x -RCB-", "the parents' house [sic] {x}"),
        ('He said " no " .', 'He said "no".'),
        ("Last updated 13 : 26 14 / 09 / 2013", "Last updated 13:26 14/09/2013"),
        ("He said : 12 men , and / or more", "He said: 12 men, and/or more"),
        ("Deaths in 1991 : 520 ; at 42 : 17 minutes", "Deaths in 1991: 520; at 42: 17 minutes"),
        ("published 2012 - 04 - 04 ; won 20 - 13 ; won 3 - 1", "published 2012-04-04; won 20-13; won 3 - 1"),
        ("On Tue , 16 / 08 / 2011 - 13 : 42", "On Tue, 16/08/2011 - 13:42"),
        ("", ""),
    ],
)
def test_detokenize_ptb(tokenized: str, expected: str) -> None:
    assert detokenize_ptb(tokenized) == expected


def test_read_t17_timeline_format(tmp_path: Path) -> None:
    path = tmp_path / "tl.txt"
    path.write_text(
        "2010-09-19\nThe well is sealed . \n--------------------------------\n"
        "2010-09-17\nBP pumps cement . \nIt works . \n--------------------------------\n"
        "2011-04-0\nA block with a broken date . \n--------------------------------\n"
        "2010-09-19\nA second block for the same day . \n--------------------------------\n",
        encoding="utf-8",
    )
    timeline = read_t17_timeline(path)
    # Chronological order; repeated dates merged; the broken block left out.
    assert list(timeline) == [date(2010, 9, 17), date(2010, 9, 19)]
    assert timeline[date(2010, 9, 17)] == ["BP pumps cement .", "It works ."]
    assert timeline[date(2010, 9, 19)] == ["The well is sealed .", "A second block for the same day ."]


# ----------------------------------------------------------------------- ECB+


@pytest.fixture(scope="module")
def ecb() -> EcbCorpus:
    return read_ecbplus(_require(BENCHMARKS / "ecbplus-dev"))


def test_ecbplus_counts(ecb: EcbCorpus) -> None:
    assert len(ecb.documents) == 772
    assert len(ecb.topics) == 33
    assert "15" not in ecb.topics and "17" not in ecb.topics
    gold = ecb.document_gold()
    assert len(set(gold.values())) == 66  # two events (ecb / ecbplus) per topic
    assert Counter(doc.split for doc in ecb.documents.values()) == {"train": 575, "val": 197}
    assert gold["1_10ecb.xml"] == "1ecb" and gold["1_10ecbplus.xml"] == "1ecbplus"


def test_ecbplus_event_mentions(ecb: EcbCorpus) -> None:
    scored = ecb.event_mentions()
    # The usual ECB+ statistics of the Cybulska & Vossen setup: 3808 train / 1245 dev event mentions.
    by_split = Counter(ecb.documents[m.doc_id].split for m in scored)
    assert by_split == {"train": 3808, "val": 1245}
    assert len(ecb.event_mentions(scored_only=False)) > len(scored)
    assert all(m.tag.startswith(("ACTION_", "NEG_ACTION_")) for m in scored)
    gold = ecb.mention_gold()
    assert len(gold) == len(scored)
    val_chains = Counter(gold[m.key] for m in scored if ecb.documents[m.doc_id].split == "val")
    assert len(val_chains) == 409

    doc = ecb.documents["1_10ecb.xml"]
    checked_in = next(m for m in doc.event_mentions if m.m_id == "32")
    assert checked_in.text == "checked into"
    assert checked_in.token_ids == (6, 8)
    assert checked_in.sentence == 0 and checked_in.scored
    # "checked into" and "went" (to Promises) are the same cross-document event.
    went = next(m for m in doc.event_mentions if m.text == "went")
    assert went.chain_id == checked_in.chain_id == "ACT16236402809085484"


def test_ecbplus_document_text_offsets(ecb: EcbCorpus) -> None:
    doc = ecb.documents["1_10ecb.xml"]
    rebuilt = ecb_document_text(doc)
    assert rebuilt.text.startswith(
        "Perennial party girl Tara Reid checked herself into Promises Treatment Center, her rep told People.\n"
    )
    assert rebuilt.text.count("\n") == len(doc.sentences()) - 1
    for token in doc.tokens:
        start, end = rebuilt.token_spans[token.t_id]
        surface = rebuilt.text[start:end]
        assert surface == {"``": '"', "''": '"'}.get(token.text, token.text.strip())
        assert rebuilt.sentence_at(start) == token.sentence or start == end
    # A predicted mention given as a character span maps back to the gold tokens.
    for mention in doc.event_mentions:
        start = rebuilt.token_spans[mention.token_ids[0]][0]
        end = rebuilt.token_spans[mention.token_ids[-1]][1]
        covered = rebuilt.tokens_in_span(start, end)
        assert set(mention.token_ids) <= set(covered)


# ----------------------------------------------------------------- Timeline17


def test_timeline17_tasks() -> None:
    tasks = read_timeline17(_require(BENCHMARKS / "timeline17-dev"))
    assert len(tasks) == 10
    assert sum(len(task.articles) for task in tasks) == 2304
    assert Counter(task.topic for task in tasks) == {"bpoil": 5, "H1N1": 3, "MJ": 1, "haiti": 1}
    by_name = {task.name: task for task in tasks}

    bbc = by_name["bpoil_bbc/bbc"]
    assert (bbc.topic, bbc.source) == ("bpoil", "bbc")
    assert len(bbc.articles) == 293
    assert (bbc.num_dates, bbc.num_sentences) == (48, 98)
    assert bbc.timeline[date(2010, 9, 17)] == [
        "BP pumps cement to seal the damaged well after it was intercepted by a relief well."
    ]
    article = next(a for a in bbc.articles if a.article_id == "2010-05-24/1036")
    assert article.pub_date == date(2010, 5, 24)
    assert article.sentences()[1] == (
        'Interior Secretary Ken Salazar pledged to "keep our boot on their neck until the job gets done".'
    )

    # bpoil_guardian repeats two dates in its timeline: 104 blocks, 102 dates.
    assert by_name["bpoil_guardian/guardian"].num_dates == 102
    # MJ_bbc has one block dated "2011-04-0": left out and recorded.
    assert by_name["MJ_bbc/bbc.co.uk"].skipped_date_lines == ("2011-04-0",)
    # 18 input files of this dev part are empty.
    assert sum(1 for task in tasks for a in task.articles if not a.tokenized_sentences()) == 18


# ----------------------------------------------------------------- Clust-McMs


def test_clust_mcms() -> None:
    topics = read_clust_mcms(_require(BENCHMARKS / "clust-mcms-dev" / "mds_ac_dev_final.json"))
    assert len(topics) == 1
    pool = topics[0]
    assert len(pool.articles) == 209
    assert pool.num_clusters == 51
    assert set(pool.gold) == {a.article_id for a in pool.articles}
    first = pool.articles[0]
    assert first.article_id == 1
    assert first.sentences[0].event_annotation == "main"
    assert first.text.startswith("SINGAPORE: A man sexually assaulted two teenage girls")
    assert first.event_fields["where"] == "Singapore"
    # Articles 1 and 2 report the same case; the largest gold cluster holds 53 articles.
    assert pool.gold[1] == pool.gold[2]
    assert max(Counter(pool.gold.values()).values()) == 53
