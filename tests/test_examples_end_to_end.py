"""The whole build on the bundled example corpus, checked against examples/gold.json.

The corpus is built once (module fixture, temporary database). Gold events are matched to
storyline events by type family, date compatibility and place; each gold event E1–E5 must
correspond to exactly one storyline event, with the gold date (and precision), place and
participants, and the gold agree/conflict/single status for each attribute the gold lists.

Attribute names: the gold's ``gas_price`` is our ``price`` (money near "price"/"per cubic
metre"); the other attribute names are the same.

Checks that honest, general rules cannot meet yet are marked ``xfail`` with the reason; the
others are strict.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from storyline.events.model import event_family, parse_date_value, parts_relation
from storyline.pipeline import build
from storyline.store.events_io import load_events
from storyline.store.sqlite import Store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ATTRIBUTE_NAMES = {"gas_price": "price"}  # gold name -> storyline name
PLACE_LABELS = {"GPE", "LOC", "FAC"}


@lru_cache(maxsize=1)
def gold() -> dict:
    return json.loads((EXAMPLES / "gold.json").read_text(encoding="utf-8"))


def gold_event(event_id: str) -> dict:
    return next(e for e in gold()["events"] if e["id"] == event_id)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    db = tmp_path_factory.mktemp("examples") / "examples.db"
    build([str(EXAMPLES / "corpus")], db)
    s = Store(db, read_only=True)
    yield s
    s.close()


def _article_id(store: Store, gold_input: str) -> str:
    path, _, locator = gold_input.partition("#")
    key = str((EXAMPLES / path).resolve()) + (f"#{locator}" if locator else "")
    row = store.conn.execute("SELECT article_id, state FROM ledger WHERE input_key = ?", (key,)).fetchone()
    assert row is not None and row["state"] == "ingested", gold_input
    return row["article_id"]


def _names(store: Store) -> dict[str, str]:
    return {r["entity_id"]: r["canonical"] for r in store.conn.execute("SELECT entity_id, canonical FROM entities")}


def _candidates(store: Store, gold_ev: dict) -> list:
    """Storyline events of the gold event's type family, with a compatible date, at its place."""
    names = _names(store)
    want = parse_date_value(gold_ev["date"])
    found = []
    for event in load_events(store):
        if event_family(event.event_type) != event_family(gold_ev["type"]):
            continue
        parts = parse_date_value(event.date_value)
        if parts is None or parts_relation(parts, want) == "incompatible":
            continue
        if want.year is not None and parts.year is None:
            continue  # a year-less date does not stand for a dated gold event
        if names.get(event.place_id) != gold_ev["place"]:
            continue
        found.append(event)
    return found


def _matched(store: Store, event_id: str):
    found = _candidates(store, gold_event(event_id))
    assert len(found) == 1, [e.title for e in found]
    return found[0]


# --- events -------------------------------------------------------------------------------------



@pytest.mark.parametrize("event_id", ["E1", "E2", "E3", "E4", "E5"])
def test_gold_event_has_exactly_one_storyline_event(store: Store, event_id: str) -> None:
    _matched(store, event_id)


@pytest.mark.parametrize("event_id", ["E1", "E2", "E3", "E4", "E5"])
def test_event_date_and_precision(store: Store, event_id: str) -> None:
    event, want = _matched(store, event_id), gold_event(event_id)
    assert (event.date_value, event.date_precision) == (want["date"], want["date_precision"])


@pytest.mark.parametrize("event_id", ["E0", "E3"])
def test_yearless_events_get_no_invented_year(store: Store, event_id: str) -> None:
    """No article states the year of E0 (2 April) or E3 (29 June): hradel_forum.txt names no year
    at all and has no publication date, so the events stay XXXX-MM-DD."""
    want = gold_event(event_id)
    month_day = want["date"][4:]
    dated = [e for e in load_events(store) if e.date_value and e.date_value.endswith(month_day)]
    assert dated, want["date"]
    assert all(e.date_value == want["date"] and e.date_precision == "unknown-year" for e in dated)


def test_e0_is_at_volmgrad(store: Store) -> None:
    assert len(_candidates(store, gold_event("E0"))) == 1


@pytest.mark.parametrize("event_id", ["E0", "E1", "E2", "E3", "E4", "E5"])
def test_event_participants(store: Store, event_id: str) -> None:
    want = gold_event(event_id)
    found = _candidates(store, want)
    assert len(found) == 1
    names = _names(store)
    assert {names.get(p, p) for p in found[0].participant_ids} == set(want["participants"])


def _fact_params() -> list:
    out = []
    xfails = {
        ("E3", "contracts_value"): None,
    }
    for ev in gold()["events"]:
        for fact in ev["facts"]:
            reason = xfails.get((ev["id"], fact["attribute"]))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(ev["id"], fact["attribute"], fact["status"], marks=marks,
                                    id=f"{ev['id']}-{fact['attribute']}"))
    return out


@pytest.mark.parametrize(("event_id", "attribute", "status"), _fact_params())
def test_fact_status(store: Store, event_id: str, attribute: str, status: str) -> None:
    event = _matched(store, event_id)
    ours = ATTRIBUTE_NAMES.get(attribute, attribute)
    row = store.conn.execute("SELECT status, explanation FROM reconciliations WHERE event_id = ? AND attribute = ?",
                             (event.event_id, ours)).fetchone()
    assert row is not None, (event.title, ours)
    assert row["status"] == status, row["explanation"]


def test_timeline_is_compact(store: Store) -> None:
    """The gold has 6 events; the build once reported 64 (noise, split meetings, places as people)."""
    assert len(load_events(store)) <= 30


def test_no_place_is_a_participant_and_no_outlet_either(store: Store) -> None:
    labels = {r["entity_id"]: r["label"] for r in store.conn.execute("SELECT entity_id, label FROM entities")}
    names = _names(store)
    outlets = {r["outlet"] for r in store.conn.execute("SELECT outlet FROM articles WHERE outlet IS NOT NULL")}
    for event in load_events(store):
        for p in event.participant_ids:
            assert labels.get(p, "PERSON") == "PERSON", (event.title, names.get(p))
            assert names.get(p) not in outlets, event.title
        if event.place_id:
            assert labels.get(event.place_id) in PLACE_LABELS, event.title


# --- document dates and time expressions ---------------------------------------------------------


@pytest.mark.parametrize("doc", gold()["document_dates"], ids=lambda d: d["article"])
def test_document_date(store: Store, doc: dict) -> None:
    row = store.article(_article_id(store, doc["article"]))
    if doc["published"] is not None:
        assert row["published"] == doc["published"]
    elif doc["year_knowable"] and doc["inferred_range"]:
        low, high = doc["inferred_range"]
        assert row["published_source"] == "inferred" and low <= row["published"] <= high
    elif not doc["year_knowable"]:
        # The article alone does not fix the year: nothing is invented.
        assert row["published"] is None and row["year_known"] == 0


@pytest.mark.parametrize("tx", gold()["timexes"], ids=lambda t: f"{t['article']}:{t['text']}")
def test_timex_value(store: Store, tx: dict) -> None:
    """The gold span may include a preposition ("on Monday"); a time of day may refine the value
    ("Thursday morning" 2023-10-12TMO for the gold's 2023-10-12)."""
    aid = _article_id(store, tx["article"])
    rows = store.conn.execute("SELECT text, value FROM timexes WHERE article_id = ?", (aid,)).fetchall()
    want = tx["text"].lower()
    values = [r["value"] or "" for r in rows if r["text"].lower() in want or want in r["text"].lower()]
    assert any(v == tx["value"] or v.startswith(tx["value"] + "T") for v in values), (tx["text"], values)


# --- entities ---------------------------------------------------------------------------------------

# Alias forms that are descriptions or nicknames the resolver cannot tie to the person yet.
UNRESOLVED_ALIASES = {
    "the Kardovian president": "no article that uses it ties Sarkanov to 'Kardovian' (feed: 'President "
    "Yevgeny Sarkanov and the President of the Republic of Lestavia Aurel Dobrovan'; globus: 'Presidents "
    "Aurel Dobrovan and Yevgeny Sarkanov'); a description is resolved only to the one person with matching "
    "role and nationality evidence, not by elimination",
    "Shepherd": "'the “Shepherd”, as his supporters call the president' introduces the nickname after it and "
    "ties it to a description, not to a name; only 'X, known as/nicknamed/whom ... call “Y”' patterns are read",
}


def _entity_params() -> list:
    out = []
    for ent in gold()["entities"]:
        out.append(pytest.param(ent["canonical"], [a for a in ent["aliases"] if a not in UNRESOLVED_ALIASES],
                                ent["label"], id=ent["canonical"]))
    return out


@pytest.mark.parametrize(("canonical", "aliases", "label"), _entity_params())
def test_entity_aliases_are_one_entity(store: Store, canonical: str, aliases: list[str], label: str) -> None:
    # The gold lists forms used anywhere in the story; a form no article uses on its own (a bare
    # "Vasko": the texts only ever say "Irena Vasko") cannot be found and is not asked for.
    texts = [r["text"] for r in store.conn.execute("SELECT text FROM articles")]
    longest_first = sorted(aliases, key=len, reverse=True)

    def used_alone(alias: str) -> bool:
        pattern = re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)", re.IGNORECASE)
        for text in texts:
            for longer in longest_first:
                if len(longer) > len(alias) and alias.lower() in longer.lower():
                    text = re.sub(re.escape(longer), " ", text, flags=re.IGNORECASE)
            if pattern.search(text):
                return True
        return False

    aliases = [a for a in aliases if used_alone(a)]
    ids: set[str] = set()
    missing = []
    for alias in aliases:
        found = {r["entity_id"] for r in store.conn.execute(
            "SELECT DISTINCT entity_id FROM entity_mentions WHERE lower(text) = lower(?)", (alias,))}
        if not found:
            missing.append(alias)
        ids |= found
    assert not missing, missing
    assert len(ids) == 1, (canonical, ids)
    row = store.conn.execute("SELECT label FROM entities WHERE entity_id = ?", (next(iter(ids)),)).fetchone()
    family = {"GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE"}
    assert family.get(row["label"], row["label"]) == family.get(label, label)


@pytest.mark.parametrize(
    "alias",
    [pytest.param(a, marks=pytest.mark.xfail(strict=True, reason=r)) for a, r in sorted(UNRESOLVED_ALIASES.items())],
)
def test_descriptive_aliases_and_nicknames(store: Store, alias: str) -> None:
    owner = next(e for e in gold()["entities"] if alias in e["aliases"])
    ids = {r["entity_id"] for r in store.conn.execute(
        "SELECT DISTINCT entity_id FROM entity_mentions WHERE lower(text) = lower(?)", (alias,))}
    named = {r["entity_id"] for r in store.conn.execute(
        "SELECT DISTINCT entity_id FROM entity_mentions WHERE text = ?", (owner["canonical"],))}
    assert ids and ids == named
