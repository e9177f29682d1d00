"""Stable entity ids across builds (storyline.annotate.entity_ids)."""

from __future__ import annotations

from storyline.annotate.entity_ids import keep_previous_ids
from storyline.records import Entity, EntityMention


def _mentions(entity_id: str, article: str, n: int, first: int = 0) -> list[EntityMention]:
    return [EntityMention(article, 0, 10 * k, 10 * k + 5, "x", "PERSON", entity_id) for k in range(first, first + n)]


def test_an_entity_keeps_its_previous_id_when_its_name_changes():
    # build 1: "Dravik" (id old_dravik) in article a; build 2 adds b with the full name "Anton Dravik"
    ents = [Entity("fresh_anton", "PERSON", "Anton Dravik")]
    ms = _mentions("fresh_anton", "a", 3) + _mentions("fresh_anton", "b", 2)
    previous = {(m.article_id, m.start, m.end): "old_dravik" for m in ms[:3]}
    assert keep_previous_ids(ents, ms, previous) == {}
    assert ents[0].entity_id == "old_dravik" and {m.entity_id for m in ms} == {"old_dravik"}


def test_merged_entities_keep_the_larger_ones_id_and_redirect_the_other():
    ents = [Entity("fresh", "PERSON", "Anton Dravik")]
    ms = _mentions("fresh", "a", 3) + _mentions("fresh", "b", 1)
    previous = {("a", 0, 5): "big", ("a", 10, 15): "big", ("a", 20, 25): "big"} | {("b", 0, 5): "small"}
    assert keep_previous_ids(ents, ms, previous) == {"small": "big"}
    assert ents[0].entity_id == "big"


def test_a_split_entity_gives_its_id_to_the_part_with_most_of_its_mentions():
    ents = [Entity("f1", "PERSON", "Anton Dravik"), Entity("f2", "PERSON", "Mila Dravik")]
    ms = _mentions("f1", "a", 1) + _mentions("f2", "b", 2)
    previous = {(m.article_id, m.start, m.end): "dravik" for m in ms}
    assert keep_previous_ids(ents, ms, previous) == {}
    assert [e.entity_id for e in ents] == ["f1", "dravik"]


def test_a_fresh_id_that_collides_with_a_kept_one_is_salted():
    # "x" was the id of the mentions now in f_other; a new entity's fresh hash is also "x"
    ents = [Entity("f_other", "PERSON", "A"), Entity("x", "PERSON", "B")]
    ms = _mentions("f_other", "a", 2) + _mentions("x", "b", 1)
    previous = {("a", 0, 5): "x", ("a", 10, 15): "x"}
    keep_previous_ids(ents, ms, previous)
    ids = [e.entity_id for e in ents]
    assert ids[0] == "x" and ids[1] != "x" and ids[1].startswith("ent_")
    assert ms[-1].entity_id == ids[1]


def test_older_redirects_follow_their_target():
    ents = [Entity("fresh", "PERSON", "Anton Dravik")]
    ms = _mentions("fresh", "a", 3) + _mentions("fresh", "b", 1)
    previous = {("a", 0, 5): "big", ("a", 10, 15): "big", ("a", 20, 25): "big", ("b", 0, 5): "small"}
    # "ancient" redirected to "small", which is now merged into "big"; "lost" pointed at nothing that survives
    redirects = keep_previous_ids(ents, ms, previous, {"ancient": "small", "lost": "gone"})
    assert redirects == {"small": "big", "ancient": "big"}


def test_no_previous_build_leaves_fresh_ids():
    ents = [Entity("f1", "PERSON", "A"), Entity("f2", "GPE", "B")]
    ms = _mentions("f1", "a", 2) + _mentions("f2", "a", 1, first=5)
    assert keep_previous_ids(ents, ms, {}) == {}
    assert [e.entity_id for e in ents] == ["f1", "f2"]
