"""Event grouping by key-connected components (map → shuffle → reduce) equals the one pass.

Also: the embed stage stores one vector per mention at annotation time, an incremental build
embeds only the new articles, and a Dask build runs the grouping's reduce tasks on the workers.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from storyline.events import candidates, grouping, partition
from storyline.events.model import EventMention
from storyline.pipeline import build
from storyline.records import AnnotatedArticle, Entity, Sentence
from storyline.store.sqlite import Store


def hash_embed(texts: list[str]) -> np.ndarray:
    """Bag-of-words vectors: the same text always gets the same vector, whatever the batch."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for k, text in enumerate(texts):
        for word in text.lower().split():
            out[k, zlib.crc32(word.encode()) % 64] += 1.0
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out


def synthetic_corpus(seed: int, stories: int = 12, articles_per_story: int = 8):
    """Articles and mentions of several stories whose dates, places and people overlap."""
    rng = random.Random(seed)
    entities: dict[str, Entity] = {}
    articles: list[AnnotatedArticle] = []
    mentions: list[EventMention] = []
    kinds = ["meeting", "talks", "loan", "protest", "arrest"]
    for s in range(stories):
        people = [f"p{s}_{k}" for k in range(3)] + [f"p_shared{rng.randrange(3)}"]
        places = [f"g{s}_{k}" for k in range(2)] + [f"g_shared{rng.randrange(2)}"]
        for e in people:
            entities[e] = Entity(e, "PERSON", e.title())
        for e in places:
            entities[e] = Entity(e, "GPE", e.title())
        year = rng.choice([2020, 2021])
        events = [(rng.choice(kinds), f"{year}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}") for _ in range(4)]
        for a in range(articles_per_story):
            aid = f"a{s:02d}{a:02d}"
            published = f"{year}-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}"
            sentences, previous_key = [], None
            for k in range(rng.randint(3, 7)):
                kind, day = rng.choice(events)
                words = f"story {s} {kind} {day} report {rng.randrange(4)} article {a}"
                sentences.append(Sentence(aid, k, k * 100, k * 100 + len(words), words))
                form = rng.choice(["day", "day", "month", "year", "yearless", "publication", "none", "none"])
                value, source = {
                    "day": (day, rng.choice(["explicit", "context"])), "month": (day[:7], "explicit"),
                    "year": (day[:4], "explicit"), "yearless": ("XXXX" + day[4:], "explicit"),
                    "publication": (published, "publication"), "none": (None, "none"),
                }[form]
                mention = EventMention(
                    article_id=aid, sentence_index=k, start=k * 100 + 3, end=k * 100 + 8, trigger=kind,
                    event_type=kind, date_value=value, date_source=source,
                    place_ids=rng.sample(places, rng.randrange(3)), participant_ids=rng.sample(people, rng.randrange(4)),
                    status=rng.choice(["happened", "happened", "scheduled", "expected"]),
                    negated=rng.random() < 0.05,
                    antecedent=previous_key if previous_key and rng.random() < 0.4 else None,
                )
                mention.place_id = mention.place_ids[0] if mention.place_ids else None
                mentions.append(mention)
                previous_key = mention.key
            articles.append(AnnotatedArticle(aid, " ".join(s.text for s in sentences), sentences[0].text, "outlet",
                                             published, "metadata", sentences))
    return articles, mentions, entities


def _partitioned(mentions, articles, entities, previous=None, bundle_mentions=partition.BUNDLE_MENTIONS):
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    return partition.group_partitioned(usable, vectors, {a.article_id: a for a in articles}, entities, previous,
                                       bundle_mentions=bundle_mentions)


@pytest.mark.parametrize("seed", range(6))
def test_partitioned_grouping_equals_one_pass(seed: int) -> None:
    articles, mentions, entities = synthetic_corpus(seed)
    one_pass = grouping.group_event_mentions(mentions, articles, entities, embed=hash_embed)
    assert len(one_pass) > 10  # not vacuous
    assert _partitioned(mentions, articles, entities) == one_pass
    # Every component its own task, or all in one: the same.
    assert _partitioned(mentions, articles, entities, bundle_mentions=1) == one_pass
    assert _partitioned(mentions, articles, entities, bundle_mentions=10**9) == one_pass


@pytest.mark.parametrize("seed", range(3))
def test_partitioned_grouping_equals_one_pass_with_bounded_candidates(seed: int, monkeypatch) -> None:
    """With room for two candidates beyond a probe's own articles (candidates.most_alike cuts
    many probes), each component still makes the one pass's clusters: a probe's candidates and
    their relative order are its component's own."""
    monkeypatch.setattr(candidates, "MAX_CANDIDATES", 2)
    cut = [0]
    most_alike = grouping.most_alike

    def counting(probe, found, clusters, vectors, keep=(), limit=None):  # type: ignore[no-untyped-def]
        chosen = most_alike(probe, found, clusters, vectors, keep, limit)
        cut[0] += len(chosen) < len(found)
        return chosen

    monkeypatch.setattr(grouping, "most_alike", counting)
    articles, mentions, entities = synthetic_corpus(seed)
    one_pass = grouping.group_event_mentions(mentions, articles, entities, embed=hash_embed)
    assert cut[0] > 0  # the cut applied
    assert _partitioned(mentions, articles, entities) == one_pass
    assert _partitioned(mentions, articles, entities, bundle_mentions=1) == one_pass


@pytest.mark.parametrize("seed", range(3))
def test_partitioned_grouping_keeps_ids_like_the_one_pass(seed: int) -> None:
    articles, mentions, entities = synthetic_corpus(seed)
    half = {a.article_id for a in articles[::2]}
    first = grouping.group_event_mentions([m for m in mentions if m.article_id in half],
                                          [a for a in articles if a.article_id in half], entities, embed=hash_embed)
    one_pass = grouping.group_event_mentions(mentions, articles, entities, first, embed=hash_embed)
    assert _partitioned(mentions, articles, entities, first) == one_pass
    assert any(e.merged_from for e in one_pass) or any(e.event_id in {f.event_id for f in first} for e in one_pass)


def test_components_never_share_a_key_and_split_the_corpus() -> None:
    articles, mentions, entities = synthetic_corpus(0)
    usable = grouping.usable_mentions(mentions, entities, articles)
    parts = partition.components(usable)
    assert len(parts) > 1 and sorted(i for p in parts for i in p) == list(range(len(usable)))
    keys = [set().union(*(partition.mention_keys(usable[i]) for i in p)) for p in parts]
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            assert not keys[a] & keys[b]


def test_a_cluster_key_outside_its_component_is_an_error(monkeypatch) -> None:
    articles, mentions, entities = synthetic_corpus(1)
    real_keys = grouping._Cluster.keys

    def leaky(self):  # a cluster key that none of its mentions has
        return real_keys(self) | ({("x", "leak")} if len(self.members) > 1 else set())

    monkeypatch.setattr(grouping._Cluster, "keys", leaky)
    with pytest.raises(partition.PartitionError):
        _partitioned(mentions, articles, entities)


# --- the build: embed stage, incremental embedding, stored vectors ----------------------------------


def _vectors_by_key(db: Path) -> dict[tuple, bytes | None]:
    conn = sqlite3.connect(db)
    try:
        return {(a, s, e): v for a, s, e, v in conn.execute("SELECT article_id, start, end, vector FROM event_mentions")}
    finally:
        conn.close()


def test_embed_stage_stores_vectors_and_incremental_build_embeds_only_new_articles(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    from tests.conftest import EXAMPLES

    files = sorted((EXAMPLES / "corpus").iterdir())
    first, rest = tmp_path / "first", tmp_path / "rest"
    first.mkdir()
    rest.mkdir()
    for k, f in enumerate(files):
        shutil.copy(f, (first if k % 2 == 0 else rest) / f.name)
    calls: list[list[str]] = []
    real = grouping.use_embed

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(grouping, "use_embed", counting)
    db = tmp_path / "story.db"
    build([str(first)], db)
    stored = _vectors_by_key(db)
    negated = {(a, s, e) for a, s, e, n in sqlite3.connect(db).execute(
        "SELECT article_id, start, end, negated FROM event_mentions")if n}
    assert stored and all((v is None) == (k in negated) for k, v in stored.items())
    assert all(len(v) == 512 * grouping.VECTOR_DTYPE.itemsize for v in stored.values() if v is not None)
    first_articles = {a for a, _, _ in stored}
    assert len(calls) == len(first_articles)  # one call per annotated article, none in grouping

    calls.clear()
    report = build([str(first), str(rest)], db)
    assert report.ingested > 0
    now = _vectors_by_key(db)
    new_articles = {a for a, _, _ in now} - first_articles
    assert new_articles and len(calls) == len(new_articles)  # only the new articles were embedded
    assert {k: now[k] for k in stored} == stored  # the old vectors were kept as they were

    calls.clear()
    build([str(first), str(rest)], db)  # nothing new: nothing embedded
    assert calls == []


def test_missing_vectors_are_computed_in_grouping_and_stored(tmp_path: Path) -> None:
    from storyline import stages
    from tests.conftest import EXAMPLES

    corpus = tmp_path / "corpus"
    shutil.copytree(EXAMPLES / "corpus", corpus)
    db = tmp_path / "story.db"
    build([str(corpus)], db)
    before = _vectors_by_key(db)
    with Store(db) as store:
        events_before = [tuple(r) for r in store.conn.execute("SELECT * FROM events ORDER BY event_id")]
        with store.transaction():
            store.conn.execute("UPDATE event_mentions SET vector = NULL WHERE article_id IN "
                               "(SELECT article_id FROM articles ORDER BY article_id LIMIT 3)")
        with store.transaction():
            ents, mapping = stages.resolve_corpus_entities(store)
            stages.build_events(store, ents, mapping)
        events_after = [tuple(r) for r in store.conn.execute("SELECT * FROM events ORDER BY event_id")]
    assert _vectors_by_key(db) == before  # recomputed per article, as the annotation stage does
    assert events_after == events_before


def _example_db(tmp_path: Path) -> Path:
    from tests.conftest import EXAMPLES

    corpus = tmp_path / "corpus"
    shutil.copytree(EXAMPLES / "corpus", corpus)
    db = tmp_path / "story.db"
    build([str(corpus)], db)
    return db


def _usable_from_store(store: Store) -> tuple:
    """What the event stage reads: entities, the local-id map, articles (list and by id), usable mentions."""
    from storyline import stages

    ents, mapping = stages.resolve_corpus_entities(store)
    articles = stages._load_articles(store)
    by_id = {a.article_id: a for a in articles}
    usable = grouping.usable_mentions(stages._load_event_mentions(store, mapping), ents, articles)
    return ents, mapping, articles, by_id, usable


def test_stored_build_equals_one_pass_with_the_stored_vectors(tmp_path: Path) -> None:
    """The build's events (partitioned) are what the one pass gives with the same vectors."""
    from storyline import stages

    db = _example_db(tmp_path)
    with Store(db) as store:
        ents, mapping, articles, by_id, usable = _usable_from_store(store)
        vectors = stages._mention_vectors(store, usable, by_id)
        store.conn.rollback()
        stored = {r["event_id"]: r["title"] for r in store.conn.execute("SELECT event_id, title FROM events")}
    one_pass = grouping.events_from_clusters(grouping.cluster_mentions(usable, vectors), usable, by_id, ents, None)
    partitioned = partition.group_partitioned(usable, vectors, by_id, ents, None)
    assert partitioned == one_pass
    assert {e.event_id: e.title for e in one_pass} == stored


def test_article_vectors_do_not_depend_on_the_order_of_its_mentions() -> None:
    """One call per article, its distinct texts in sorted order: the bytes depend only on the article
    (the encoder's micro-batches change the last bits of a vector with its neighbours)."""

    def batch_sensitive(texts: list[str]) -> np.ndarray:
        return hash_embed(texts) + np.arange(len(texts), dtype=np.float32)[:, None] * 1e-3

    articles, mentions, _ = synthetic_corpus(2, stories=2, articles_per_story=2)
    article = articles[0]
    own = [m for m in mentions if m.article_id == article.article_id]
    a = grouping.embed_article_mentions(own, article, batch_sensitive)
    b = grouping.embed_article_mentions(list(reversed(own)), article, batch_sensitive)
    for m, va, vb in zip(own, a, reversed(b)):
        assert (va is None) == m.negated and (va is None or np.array_equal(va, vb))


# --- issue 6: components that do not grow with the archive; streamed inputs --------------------------


def _mention(aid: str, k: int, kind: str, value: str | None, source: str, **kw) -> EventMention:
    return EventMention(article_id=aid, sentence_index=k, start=k * 100, end=k * 100 + 5, trigger=kind,
                        event_type=kind, date_value=value, date_source=source, **kw)


def test_same_month_of_other_years_is_another_component() -> None:
    """Month-of-year keys (every September) do not chain the years of an archive together: a
    pair of dates of different years, or a year-less day and a publication window, never joins
    on the date alone."""
    usable = [
        _mention("a1", 0, "meeting", "2021-09-14", "explicit"),
        _mention("a2", 0, "meeting", "2041-09-14", "explicit"),
        _mention("a3", 0, "meeting", "2061-09-03", "publication"),
        _mention("a4", 0, "meeting", "XXXX-09-02", "explicit"),
        _mention("a5", 0, "meeting", "2021-09", "explicit"),  # the same year as a1: together
    ]
    parts = partition.components(usable)
    assert sorted(sorted(p) for p in parts) == [[0, 4], [1], [2], [3]]
    assert all(("m", "meeting", 9) not in partition.mention_keys(m) for m in usable)


def test_a_yearless_day_needs_a_shared_place_to_fit_a_publication_window() -> None:
    yearless = grouping._Cluster("meeting")
    yearless.add(0, _mention("a1", 0, "meeting", "XXXX-09-02", "explicit"), np.ones(4, dtype=np.float32))
    bound = grouping._Cluster("meeting")
    bound.add(1, _mention("a2", 0, "meeting", "2061-09-03", "publication", status="happened"),
              np.ones(4, dtype=np.float32))
    assert grouping._date_relation(yearless, bound) == "bound"
    assert grouping._score(yearless, bound) is None
    placed = [grouping._Cluster("meeting") for _ in range(2)]
    placed[0].add(0, _mention("a1", 0, "meeting", "XXXX-09-02", "explicit", place_ids=["g1"]),
                  np.ones(4, dtype=np.float32))
    placed[1].add(1, _mention("a2", 0, "meeting", "2061-09-03", "publication", status="happened", place_ids=["g1"]),
                  np.ones(4, dtype=np.float32))
    assert grouping._score(*placed) is not None


@pytest.mark.parametrize("seed", range(3))
def test_loaders_give_the_same_events_as_lists(seed: int) -> None:
    """Mentions and vectors read per reduce task through loaders (as the build and the scale
    benchmark do) give the events of the in-memory lists, with one bundle per component or one."""
    articles, mentions, entities = synthetic_corpus(seed)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    by_id = {a.article_id: a for a in articles}
    expected = partition.group_partitioned(usable, vectors, by_id, entities, None)
    asked: list[int] = []

    def load_mentions(positions: list[int]) -> list[EventMention]:
        asked.append(len(positions))
        return [usable[i] for i in positions]

    published_asked: list[list[str]] = []

    def load_published(ids: list[str]) -> dict[str, str]:
        published_asked.append(ids)
        return {a: by_id[a].published[:10] for a in ids if by_id[a].published}

    for bundle in (1, 10**9):
        summaries = partition.summaries_partitioned(load_mentions, lambda p: vectors[p], load_published, entities,
                                                    keys_from=iter(usable), bundle_mentions=bundle)
        assert grouping.events_from_summaries(summaries, None) == expected
    assert len(asked) > 2 and sum(asked) == 2 * len(usable)
    # once per task, for the task's own articles (all of them with one bundle)
    assert len(published_asked) == len(asked) and set(published_asked[-1]) == {m.article_id for m in usable}


@pytest.mark.parametrize("seed", range(3))
def test_reduce_results_added_in_any_order_give_the_same_events(seed: int) -> None:
    """The summary spill numbers summaries and articles as they come, but the global step reads
    them by rank and by creation order: the reduce's results taken in completion order (any
    order) give the events of task order, ids against a previous build included."""
    articles, mentions, entities = synthetic_corpus(seed)
    half = {a.article_id for a in articles[::2]}
    first = grouping.group_event_mentions([m for m in mentions if m.article_id in half],
                                          [a for a in articles if a.article_id in half], entities, embed=hash_embed)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    by_id = {a.article_id: a for a in articles}
    rng = random.Random(seed)

    def shuffled(fn, tasks):
        results = [fn(task) for task in tasks]
        assert len(results) > 3  # several orders to take them in
        rng.shuffle(results)
        return results

    in_order = partition.group_partitioned(usable, vectors, by_id, entities, first, bundle_mentions=1)
    assert len(in_order) > 10
    for _ in range(3):
        assert partition.group_partitioned(usable, vectors, by_id, entities, first, bundle_mentions=1,
                                           run=shuffled) == in_order


def test_bundles_largest_first_are_the_bundles_in_order_of_size() -> None:
    """The reduce's tasks go largest first (longest-processing-time order), the same components
    bundled together as in component order."""
    articles, mentions, entities = synthetic_corpus(1)
    usable = grouping.usable_mentions(mentions, entities, articles)
    parts = partition.components(usable)
    as_lists = [list(part) for part in parts]
    for target in (1, 40, 10**9):
        in_order = [[list(p) for p in bundle] for bundle in partition.bundle_components(as_lists, target)]
        largest_first = [[list(p) for p in bundle] for bundle in partition.bundles_largest_first(parts, target)]
        assert sorted(map(repr, largest_first)) == sorted(map(repr, in_order))
        sizes = [sum(map(len, bundle)) for bundle in largest_first]
        assert sizes == sorted(sizes, reverse=True)
        assert [[list(p) for p in b] for b in partition.bundles_largest_first(as_lists, target)] == largest_first
    assert len({len(p) for p in as_lists}) > 1 and sizes  # components of several sizes
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    tasks = partition.reduce_tasks(usable, vectors, parts, bundle_mentions=1)
    assert [len(task.parts[0][0]) for task in tasks] == sorted((len(p) for p in as_lists), reverse=True)


def test_reduce_tasks_carry_only_their_articles_and_entities() -> None:
    """What travels with a reduce task: the publication days of its articles and the entities
    its mentions name, not the corpus's."""
    articles, mentions, entities = synthetic_corpus(0)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    published = grouping.published_dates({a.article_id: a for a in articles})
    tasks = list(partition.reduce_tasks(usable, vectors, partition.components(usable), bundle_mentions=1,
                                        published=published, entities=entities))
    assert len(tasks) > 1
    for task in tasks:
        own = [m for _, ms, _ in task.parts for m in ms]
        assert set(task.published) == {m.article_id for m in own} & set(published)
        assert set(task.entities) == {e for m in own for e in (*m.place_ids, *m.participant_ids)} & set(entities)


@pytest.mark.parametrize("seed", range(3))
def test_one_pass_and_partitioned_global_step_read_only_summaries(seed: int, monkeypatch) -> None:
    """The global step works from the summaries alone: the events are those of the global step
    of the previous sessions, which read the clusters, the mentions and the articles (kept here,
    as a reference, in a few lines: ids, roles with the consensus rounds, passing mentions)."""
    articles, mentions, entities = synthetic_corpus(seed)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    by_id = {a.article_id: a for a in articles}
    clusters = grouping.cluster_mentions(usable, vectors)
    expected = _reference_events_from_clusters(clusters, usable, by_id, entities)
    assert len(expected) > 10
    assert grouping.events_from_clusters(clusters, usable, by_id, entities) == expected
    assert partition.group_partitioned(usable, vectors, by_id, entities, bundle_mentions=1) == expected
    # The summaries' weights are the mentions' own (usable_mentions computed them from the articles).
    assert all(m.weight == grouping.mention_weight(by_id[m.article_id], m.sentence_index) for m in usable)


def _reference_events_from_clusters(clusters, usable, by_id, entities) -> list:
    """The global step as it was before the summaries (3rd session), reading mentions and articles."""
    import math
    from collections import Counter, defaultdict

    from storyline.events.model import is_open_type, parse_mention_key

    kept = [c for c in clusters if c.alive and grouping._has_evidence(c)]
    events = [grouping._build_event(c, usable, grouping.published_dates(by_id), entities) for c in kept]
    grouping._assign_ids(events, [])
    weight: dict = defaultdict(Counter)
    first_mention, previews = {}, set()
    for k, cluster in enumerate(kept):
        by_article = defaultdict(list)
        for i in cluster.members:
            by_article[usable[i].article_id].append(usable[i])
        for aid, members in by_article.items():
            for m in members:
                weight[aid][k] += grouping.mention_weight(by_id.get(aid), m.sentence_index) * grouping.type_weight(
                    m.event_type)
            first_mention[(aid, k)] = min((m.sentence_index, m.start) for m in members)
            statuses = {m.status for m in members}
            if events[k].status == "happened" and "happened" not in statuses and statuses & {"scheduled", "expected"}:
                previews.add((aid, k))
    others = {k: len(c.articles) - 1 for k, c in enumerate(kept)}
    main_of: dict = {}
    for _ in range(grouping.CONSENSUS_ROUNDS):
        chosen = {aid: min(counts, key=lambda k: (
            -counts[k] * (1 + grouping.CENTRALITY * math.log1p(others[k] - (main_of.get(aid) == k))),
            -len(kept[k].articles), first_mention[(aid, k)])) for aid, counts in weight.items()}
        if chosen == main_of:
            break
        main_of = chosen
        about = Counter(main_of.values())
        others = {k: about.get(k, 0) for k in range(len(kept))}
    main_of = {a: k for a, k in main_of.items() if (a, k) not in previews}
    for k, event in enumerate(events):
        ids = sorted({parse_mention_key(key)[0] for key in event.mention_keys})
        event.main_articles = [a for a in ids if main_of.get(a) == k]
        event.mentioning_articles = [a for a in ids if main_of.get(a) != k]
        best: dict = {}
        for i in kept[k].members:
            m = usable[i]
            rank = (0 if m.date_source == "explicit" else 1, m.sentence_index)
            if m.article_id not in best or rank < best[m.article_id]:
                best[m.article_id] = rank
        event.key_sentences = [(a, best[a][1]) for a in event.main_articles + event.mentioning_articles]

    def passing(event, cluster) -> bool:
        if event.main_articles:
            return False
        if not (cluster.dated or cluster.places or cluster.participants):
            return True
        if is_open_type(event.event_type):
            return len({parse_mention_key(k)[0] for k in event.mention_keys}) < 2 or not cluster.dated
        if len(event.mention_keys) != 1:
            return False
        if not cluster.dated:
            return True
        return event.date_precision != "day" and not event.place_ids and not event.participant_ids

    events = [e for e, c in zip(events, kept) if not passing(e, c)]
    events.sort(key=lambda e: min(parse_mention_key(k)[:2] for k in e.mention_keys))
    return events


def test_chunked_reading_of_the_event_stage_equals_reading_everything(tmp_path: Path, monkeypatch) -> None:
    """The event stage reads articles a chunk at a time into a spill file: the same usable
    mentions, the same mention weights, the same publication days, the same events."""
    from storyline import stages
    from storyline.events.spill import MentionSpill

    db = _example_db(tmp_path)
    with Store(db) as store, MentionSpill(tmp_path) as spill:
        ents, mapping, articles, by_id, usable = _usable_from_store(store)
        monkeypatch.setattr(stages, "ARTICLE_CHUNK", 3)
        stages._prepare_mentions(store, ents, mapping, spill)
        chunked = list(spill)
        assert chunked == usable
        for m, c in zip(usable, chunked):
            assert c.weight == m.weight == grouping.mention_weight(by_id[m.article_id], m.sentence_index)
            assert (c.names, c.lead, c.site_ids) == (m.names, m.lead, m.site_ids)
        assert spill.published(by_id) == grouping.published_dates(by_id)
        vectors = stages._mention_vectors(store, usable, by_id)
        backwards = list(range(len(usable)))[::-1]
        assert np.array_equal(stages._StoredVectors(store, usable)(backwards), vectors[::-1])
        assert np.array_equal(stages._StoredVectors(store, spill)(backwards), vectors[::-1])
        expected = partition.group_partitioned(usable, vectors, by_id, ents, None)
        assert partition.group_partitioned(spill, stages._StoredVectors(store, spill), None, ents, None,
                                           keys_from=spill, published=spill.published, bundle_mentions=1) == expected
        store.conn.rollback()
        stored = {r["event_id"] for r in store.conn.execute("SELECT event_id FROM events")}
    assert {e.event_id for e in expected} == stored


def test_tasks_that_load_their_rows_carry_none_and_give_the_same_summaries(tmp_path: Path, monkeypatch) -> None:
    """With the build's worker processes a reduce task carries its positions, not its mentions
    and vectors (stages._SpillTaskRows): it loads them where it runs, from the shared mention
    spill and the store opened read-only, and gives the summaries of a task that carries them.
    Vectors this build embedded are not committed, so a worker cannot read them: they travel."""
    import pickle

    from storyline import stages
    from storyline.events.spill import MentionSpill

    db = _example_db(tmp_path)
    with Store(db) as store:
        with store.transaction():  # one article's vectors are missing: the next build embeds them
            store.conn.execute("UPDATE event_mentions SET vector = NULL WHERE article_id = "
                               "(SELECT MIN(article_id) FROM articles)")
        with store.transaction(), MentionSpill(tmp_path, shared=True) as spill:
            ents, mapping = stages.resolve_corpus_entities(store)
            embedded = stages._prepare_mentions(store, ents, mapping, spill)
            assert embedded  # re-embedded in this (open) transaction
            parts = partition.components(spill)
            vectors = stages._StoredVectors(store, spill)
            assert vectors([0]).dtype == grouping.VECTOR_DTYPE  # the stored form: half of float32's bytes
            carried = list(partition.reduce_tasks(spill, vectors, parts, published=spill.published, entities=ents,
                                                  bundle_mentions=40))
            rows = stages._SpillTaskRows(store, spill, embedded)
            loading = list(partition.reduce_tasks(spill, vectors, parts, published=spill.published, entities=ents,
                                                  bundle_mentions=40, rows_in_task=rows))
            assert len(loading) == len(carried) > 1
            for light, full in zip(loading, carried):
                assert all(len(mentions) == 0 and vectors is None for _positions, mentions, vectors in light.parts)
                assert [p for p, _m, _v in light.parts] == [p for p, _m, _v in full.parts]
                assert (light.published, light.entities) == (full.published, full.entities)
                assert set(light.load.carried) == {p for part, _m, _v in light.parts for p in part} & embedded
                sent = pickle.dumps(light)
                assert b"EventMention" not in sent and b"ndarray" not in sent and b"EventMention" in pickle.dumps(full)
            # as on a worker: the task is pickled, loads its rows through its own connections
            summaries = [partition.reduce_bundle(pickle.loads(pickle.dumps(task))) for task in loading]
            assert summaries == [partition.reduce_bundle(task) for task in carried]
            monkeypatch.setattr(partition, "LOAD_MENTIONS", 1)  # one component loaded at a time
            assert [partition.reduce_bundle(pickle.loads(pickle.dumps(task))) for task in loading] == summaries
            # the embedded vectors are invisible to another connection: without them a worker reads zeros
            mine = sorted(embedded)
            worker = stages._WorkerRows(str(spill.path), str(db))
            try:
                assert not worker(mine)[1].any()
            finally:
                worker.close()
            assert np.array_equal(rows.loader(mine)(mine)[1], vectors(mine)) and vectors(mine).any()


def test_float16_rows_give_the_float32_clusters() -> None:
    """A task's vectors stay float16, as stored; clusters sum them in float32, so the clusters
    (members and summed vectors, bit for bit) are those of the rows widened to float32."""
    articles, mentions, entities = synthetic_corpus(3)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = hash_embed(grouping.mention_texts(usable, articles)).astype(grouping.VECTOR_DTYPE)
    narrow = grouping.cluster_mentions(usable, vectors)
    wide = grouping.cluster_mentions(usable, vectors.astype(np.float32))
    assert [c.members for c in narrow] == [c.members for c in wide]
    for a, b in zip(narrow, wide):
        assert a.vector.dtype == b.vector.dtype == np.float32 and np.array_equal(a.vector, b.vector)


def _dict_components(usable: list[EventMention]) -> list[list[int]]:
    """The shuffle as it was before it went to disk: a dict from key to first position."""
    parent = list(range(len(usable)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    first: dict[tuple, int] = {}
    for i, mention in enumerate(usable):
        for key in partition.mention_keys(mention):
            j = first.setdefault(key, i)
            a, b = find(i), find(j)
            parent[max(a, b)] = min(a, b)
    by_root: dict[int, list[int]] = {}
    for i in range(len(usable)):
        by_root.setdefault(find(i), []).append(i)
    return [by_root[r] for r in sorted(by_root)]


@pytest.mark.parametrize("seed", range(3))
def test_the_shuffle_on_disk_gives_the_components_of_an_in_memory_dict(seed: int, monkeypatch, tmp_path: Path) -> None:
    articles, mentions, entities = synthetic_corpus(seed)
    usable = grouping.usable_mentions(mentions, entities, articles)
    expected = _dict_components(usable)
    for chunk in (1, 7, 10**6):  # pairs written one at a time, in several chunks, in one
        monkeypatch.setattr(partition, "SHUFFLE_CHUNK", chunk)
        got = partition.components(iter(usable), directory=tmp_path)
        assert [list(p) for p in got] == expected
    assert list(tmp_path.iterdir()) == []  # the scratch file has no name while in use


def _edge_mentions() -> list[EventMention]:
    """Mentions with every kind of date grouping reads: stated (explicit, context) days, months,
    years and year-less days; publication days whose window crosses a new year either way, a
    publication month (no window), odd values; places by id only, names around."""
    out = []
    values = [None, "2021", "2021-02", "2021-02-28", "XXXX-09-14", "XXXX-09", "2021-Q3", "2021-W05", "PRESENT_REF",
              "2021-12-30", "2021-01-03", "2021-13-01", "2021-02-28T10:00"]
    for k, (value, source, status) in enumerate((v, s, t) for v in values
                                                for s in ("explicit", "context", "publication", "none")
                                                for t in ("happened", "scheduled", "expected", "unknown")):
        out.append(_mention(f"e{k // 20}", k, ["meeting", "talks", "vote"][k % 3], value, source, status=status,
                            place_id="g1" if k % 4 == 0 else None, place_ids=["g2", "g3"] if k % 4 == 1 else [],
                            participant_ids=["p1", "p2"][: k % 3], names={"n1": 0.5} if k % 2 else {}))
    return out


@pytest.mark.parametrize("families", [None, {"meeting": "talks", "talks": "talks"}])
def test_mention_keys_are_those_of_a_cluster_of_the_mention_alone(families) -> None:
    """The shuffle reads a mention's keys off the mention; they are the keys a cluster holding
    only it has (the month-of-year key left out), as the exactness of the components needs."""
    usable = _edge_mentions()
    for seed in range(3):
        articles, mentions, entities = synthetic_corpus(seed)
        usable += grouping.usable_mentions(mentions, entities, articles)
    assert any(m.names for m in usable) and any(m.date_source == "publication" for m in usable)  # not vacuous
    for mention in usable:
        assert partition.mention_keys(mention, families) == partition._single_cluster_keys(mention, families)


def test_the_shuffle_builds_no_cluster(monkeypatch) -> None:
    """A mention's keys are read off it: no grouping cluster is made for each mention (that
    cost four fifths of the shuffle's CPU)."""
    articles, mentions, entities = synthetic_corpus(0)
    usable = grouping.usable_mentions(mentions, entities, articles)
    expected = [list(p) for p in partition.components(usable)]

    def no_cluster(*args, **kwargs):
        raise AssertionError("the shuffle made a cluster")

    monkeypatch.setattr(grouping, "_Cluster", no_cluster)
    assert [list(p) for p in partition.components(usable)] == expected


def test_the_global_step_streams_events_from_a_summary_spill(tmp_path: Path) -> None:
    """summaries_partitioned writes the summaries to a spill in the given directory (nothing left
    there), and iter_events gives the events of the list version one at a time, in order."""
    articles, mentions, entities = synthetic_corpus(2)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    by_id = {a.article_id: a for a in articles}
    expected = grouping.group_event_mentions(mentions, articles, entities, embed=hash_embed)
    spill = partition.summaries_partitioned(usable, vectors, grouping.published_dates(by_id), entities,
                                            directory=tmp_path)
    assert len(spill) > len(expected) and list(tmp_path.iterdir()) == []
    made = grouping.iter_events(spill)
    assert next(made) == expected[0]  # a generator: one event at a time
    assert [expected[0], *made] == expected
    spill.close()


@pytest.mark.parametrize("seed", range(4))
def test_previous_events_as_ids_and_tagged_mentions_give_the_ids_of_the_events(seed: int) -> None:
    """A build reads of the previous events only their ids and histories, and each mention says
    which previous event it was in: the ids, merges and splits are those that the previous
    events themselves give (in the order a build loads them, by id)."""
    from dataclasses import replace

    articles, mentions, entities = synthetic_corpus(seed)
    # A first build over some of the articles, with a regrouping so that merges and splits happen.
    half = {a.article_id for a in articles[::3]}
    first = grouping.group_event_mentions([m for m in mentions if m.article_id in half],
                                          [a for a in articles if a.article_id in half], entities, embed=hash_embed)
    first = sorted(first, key=lambda e: e.event_id)
    first[0].merged_from = ["ev_older"]
    expected = _partitioned(mentions, articles, entities, first)
    was_in = {key: e.event_id for e in first for key in e.mention_keys}
    tagged = [replace(m, previous_event=was_in.get(m.key)) for m in mentions]
    rows = [(e.event_id, e.merged_from) for e in first]
    got = _partitioned(tagged, articles, entities, grouping.PreviousEvents.from_rows(rows))
    assert got == expected
    assert [(e.event_id, e.merged_from) for e in got] == [(e.event_id, e.merged_from) for e in expected]
    assert any(e.merged_from for e in expected)  # histories or splits: not only fresh ids


class _RecordingLoader:
    """A reduce task's row loader over rows in memory that records what it is asked (positions per call)."""

    def __init__(self, usable: list[EventMention], vectors: np.ndarray) -> None:
        self.usable, self.vectors = usable, vectors
        self.mention_reads: list[list[int]] = []
        self.row_reads: list[list[int]] = []

    def mentions(self, positions: list[int]) -> list[EventMention]:
        self.mention_reads.append(list(positions))
        return [self.usable[i] for i in positions]

    def __call__(self, positions: list[int]) -> tuple[list[EventMention], np.ndarray]:
        self.row_reads.append(list(positions))
        return [self.usable[i] for i in positions], self.vectors[positions]


def test_a_large_component_is_read_a_chunk_at_a_time_in_founding_order(monkeypatch) -> None:
    """A task that loads its rows reads a component larger than LOAD_MENTIONS in chunks of at most
    that many: its mentions alone in position order (the founding plan), then mentions and vectors
    in founding order, each row once; the summaries are those of the task that carries the rows."""
    articles, mentions, entities = synthetic_corpus(1)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = hash_embed(grouping.mention_texts(usable, articles)).astype(grouping.VECTOR_DTYPE)
    big = max(partition.components(usable), key=len).tolist()
    assert len(big) > 40
    published = grouping.published_dates({a.article_id: a for a in articles})
    expected = partition.reduce_bundle(partition.ReduceTask([(big, [usable[i] for i in big], vectors[big])], None,
                                                            published, entities))
    assert expected
    monkeypatch.setattr(partition, "LOAD_MENTIONS", 7)
    loader = _RecordingLoader(usable, vectors)
    assert partition.reduce_bundle(partition.ReduceTask([(big, (), None)], None, published, entities, loader)) == expected
    assert max(len(read) for read in loader.mention_reads + loader.row_reads) <= 7
    assert [p for read in loader.mention_reads for p in read] == big
    plan = grouping.founding_plan([usable[i] for i in big])
    assert [p for read in loader.row_reads for p in read] == [big[i] for i in plan.order]


def test_clustering_keeps_no_mention_or_vector_once_added() -> None:
    """cluster_rows reads each row once, as its mention is added, and keeps a Member of it (what
    the summaries read), not the mention or its vector; the summaries are the mentions'."""
    import gc
    import weakref

    articles, mentions, entities = synthetic_corpus(2)
    usable = grouping.usable_mentions(mentions, entities, articles)
    vectors = hash_embed(grouping.mention_texts(usable, articles)).astype(grouping.VECTOR_DTYPE)
    plan = grouping.founding_plan(usable)
    seen: list[weakref.ref] = []

    def rows():
        for i in plan.order:
            mention, vector = replace(usable[i]), vectors[i].copy()  # objects only the clustering could keep
            seen.extend((weakref.ref(mention), weakref.ref(vector)))
            yield i, mention, vector

    done = grouping.cluster_rows(rows(), plan)
    gc.collect()
    assert len(seen) == 2 * len(usable) and not any(ref() is not None for ref in seen)
    assert all(m is None or type(m) is grouping.Member for m in done.members)
    clusters = grouping.cluster_mentions(usable, vectors)
    assert [c.members for c in done.clusters] == [c.members for c in clusters]
    published = grouping.published_dates({a.article_id: a for a in articles})
    live = [k for k, c in enumerate(clusters) if c.alive and grouping._has_evidence(c)]
    assert live
    assert ([grouping.summarize_cluster(done.clusters[k], done.members, published, entities) for k in live]
            == [grouping.summarize_cluster(clusters[k], usable, published, entities) for k in live])
    assert all(done.founded[c.members[0]] == grouping._founding_order(usable[c.members[0]]) for c in clusters)


def test_member_table_gives_back_what_summaries_read_of_a_mention() -> None:
    """A MemberTable keeps, as columns, the fields summarize_cluster reads of an added mention
    (a weight of None included), None for positions never added, and equal values as one object."""
    first = EventMention("a1", 2, 10, 15, "met", "meeting", "2020-01-02", "explicit", "g1", ["g1", "g2"], ["p1"],
                         "happened", previous_event="ev1", weight=2.0)
    second = replace(first, sentence_index=3, start=300, end=305, place_ids=["g1", "g2"], participant_ids=[],
                     weight=None, previous_event=None, status="scheduled")
    table = grouping.MemberTable(3)
    table.add(0, first)
    table.add(2, second)
    assert len(table) == 3 and table[1] is None and table[-1] is not None
    for k, mention in ((0, first), (2, second)):
        member = table[k]
        assert type(member) is grouping.Member and member.key == mention.key
        for name in grouping.Member.__slots__:
            value = getattr(mention, name)
            assert getattr(member, name) == (tuple(value) if isinstance(value, list) else value), name
        assert list(grouping._places(member)) == grouping._places(mention)
    assert table[0].place_ids is table[2].place_ids
