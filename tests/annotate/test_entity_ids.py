"""Stable entity ids across builds (storyline.annotate.entity_ids.choose_ids)."""

from __future__ import annotations

from collections import Counter

from storyline.annotate.entity_ids import choose_ids


def test_an_entity_keeps_its_previous_id_when_its_name_changes():
    # build 1: "Dravik" (id old_dravik) with 3 mentions; build 2 adds 2 more, now "Anton Dravik"
    rename, redirects = choose_ids({"fresh_anton": Counter(old_dravik=3)}, {"fresh_anton": 5}, ["fresh_anton"])
    assert rename == {"fresh_anton": "old_dravik"} and redirects == {}


def test_merged_entities_keep_the_larger_ones_id_and_redirect_the_other():
    rename, redirects = choose_ids({"fresh": Counter(big=3, small=1)}, {"fresh": 4}, ["fresh"])
    assert rename == {"fresh": "big"} and redirects == {"small": "big"}


def test_a_split_entity_gives_its_id_to_the_part_with_most_of_its_mentions():
    rename, redirects = choose_ids({"f1": Counter(dravik=1), "f2": Counter(dravik=2)}, {"f1": 1, "f2": 2},
                                   ["f1", "f2"])
    assert rename == {"f2": "dravik"} and redirects == {}


def test_a_fresh_id_that_collides_with_a_kept_one_is_salted():
    # "x" was the id of the mentions now in f_other; a new entity's fresh hash is also "x"
    rename, _ = choose_ids({"f_other": Counter(x=2)}, {"f_other": 2, "x": 1}, ["f_other", "x"])
    assert rename["f_other"] == "x" and rename["x"] != "x" and rename["x"].startswith("ent_")


def test_older_redirects_follow_their_target():
    # "ancient" redirected to "small", which is now merged into "big"; "lost" pointed at nothing that survives
    _, redirects = choose_ids({"fresh": Counter(big=3, small=1)}, {"fresh": 4}, ["fresh"],
                              {"ancient": "small", "lost": "gone"})
    assert redirects == {"small": "big", "ancient": "big"}


def test_no_previous_build_leaves_fresh_ids():
    assert choose_ids({}, {"f1": 2, "f2": 1}, ["f1", "f2"]) == ({}, {})
