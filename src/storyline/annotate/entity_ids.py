"""Entity ids that stay the same when more articles arrive.

A fresh entity id is a hash of the label and the canonical name (``entities._entity_id``), and
the canonical name can change with the corpus: "Putin" becomes "Vladimir Putin" once an
article gives the full name. Links to ``/entity/<id>``, exports and saved filters should not
break because of that, so, as event ids do, an entity keeps the id it had in the previous build
when it holds that entity's mentions. Ids that disappear (two entities merged into one, or an
entity whose mentions went with their articles) are kept as redirects to the entity that took
most of their mentions, so an old link still leads somewhere sensible.

A build from scratch has no previous ids and gives every entity its fresh id: an incremental
build and a build from scratch then differ in entity ids only, never in what the entities are.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence


def choose_ids(
    overlap: Mapping[str, Counter[str]],
    sizes: Mapping[str, int],
    fresh_ids: Sequence[str],
    previous_redirects: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Which previous id each fresh entity takes: returns (fresh id → id, redirects old id → id).

    ``overlap``: fresh id → previous id → mentions they share; ``sizes``: fresh id → its
    mentions. Each previous id goes to at most one entity: the one holding most of its mentions
    (ties to the larger share of the entity, then by ids, so the outcome does not depend on
    input order). A fresh id that would collide with a kept one is salted. A previous id that no
    entity takes redirects to the entity holding most of its mentions; earlier redirects are
    followed to their new target, and dropped when it is gone.
    """
    pairs = sorted(((n, n / max(sizes.get(fresh, n), 1), fresh, old)
                    for fresh, olds in overlap.items() for old, n in olds.items()),
                   key=lambda p: (-p[0], -p[1], p[2], p[3]))
    rename: dict[str, str] = {}
    taken_old: set[str] = set()
    for _n, _share, fresh, old in pairs:
        if fresh in rename or old in taken_old:
            continue
        rename[fresh] = old
        taken_old.add(old)

    final_ids = set(rename.values())
    for fresh in fresh_ids:
        if fresh in rename:
            continue
        eid = fresh
        while eid in final_ids:
            eid = "ent_" + hashlib.sha1(f"{eid}|renamed".encode()).hexdigest()[:16]
        if eid != fresh:
            rename[fresh] = eid
        final_ids.add(eid)

    # Where did each vanished previous id's mentions go?
    went: dict[str, Counter[str]] = defaultdict(Counter)
    for fresh, olds in overlap.items():
        for old, n in olds.items():
            went[old][rename.get(fresh, fresh)] += n
    redirects: dict[str, str] = {}
    for old, targets in went.items():
        if old not in final_ids:
            redirects[old] = max(targets, key=lambda t: (targets[t], t))
    for old, target in sorted((previous_redirects or {}).items()):
        if old in final_ids or old in redirects:
            continue
        seen = {old}
        while target not in final_ids and target in redirects and target not in seen:
            seen.add(target)
            target = redirects[target]
        if target in final_ids:
            redirects[old] = target
    return rename, redirects

