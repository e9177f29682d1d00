"""The seed-shaped story grouped component by component equals the one pass."""

from __future__ import annotations

from storyline.events import grouping, partition
from tests.events.conftest import ENTITIES
from tests.test_partition import hash_embed


def test_seed_shaped_story_partitioned_equals_one_pass(seed_story) -> None:
    articles, mentions, _ = seed_story
    one_pass = grouping.group_event_mentions(mentions, articles, ENTITIES, embed=hash_embed)
    usable = grouping.usable_mentions(mentions, ENTITIES, articles)
    vectors = grouping._vectors(grouping.mention_texts(usable, articles), hash_embed)
    by_id = {a.article_id: a for a in articles}
    assert len(one_pass) >= 3
    assert partition.group_partitioned(usable, vectors, by_id, ENTITIES, None, bundle_mentions=1) == one_pass
