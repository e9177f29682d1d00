"""A synthetic news corpus for benchmarks: invented stories in the style of examples/corpus.

Each *story* is a small invented world like the bundled example (a big country propping up a
smaller neighbour after a disputed election): two countries with capitals, presidents,
spokespeople, ministers, opposition figures and analysts, a handful of towns, and 5–8 dated
events (election, protests, arrests, talks, loans, state visits, forums, joint exercises,
sanctions) in one or two years. Each *article* is about one of its story's events, from one of
the story's outlets, and is assembled from paragraph templates (lede, details with figures,
quotes, recalled earlier events, analysis, reactions, background) until it reaches its drawn
length (about 700 words on average). Dates are written many ways ("on Monday", "19 September",
"Sept. 19, 2022", "last month"), and so are figures ("$1.5 billion", "USD 1.5 bn", "almost four
hours", "more than 100,000 people", "47 percent"). A few articles have no publication date (the
pipeline must infer one) or no outlet; about 4% are exact reprints of an earlier article of the
same story and about 4% near reprints (new header, a few words changed, another outlet).

Every name is made of random syllables; nothing is copied from real reporting.

Determinism and streaming: story *k* is drawn from ``Random(f"{seed}:story:{k}")`` and article
*i* from ``Random(f"{seed}:article:{i}")``, so the same seed always gives the same corpus and the
first *n* articles of a larger corpus are exactly the corpus of size *n* (sizes are nested).
Generation holds one story and the last few articles (for reprints) in memory, never the corpus.

    python benchmarks/synthetic.py OUT_DIR --n 2000 [--seed 0] [--per-file 500]

writes ``OUT_DIR/synthetic-00000.jsonl``, … (one JSON object a line: ``title``, ``text``,
``published``, ``source``, ``url`` as storyline's JSONL reader expects, plus ``_meta`` with the
story, event and reprint kind, which storyline ignores) and prints the manifest (counts and file
names); ``--manifest PATH`` also writes it to PATH (keep it outside OUT_DIR).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = 1
MEAN_WORDS = 700
REPRINT_EXACT, REPRINT_NEAR = 0.04, 0.04
NO_DATE, NO_SOURCE, WITH_URL = 0.08, 0.05, 0.6

# --------------------------------------------------------------------------------------- names

_ONSETS = ["b", "br", "d", "dr", "g", "gr", "h", "k", "kr", "l", "m", "n", "p", "pr", "r", "s", "st",
           "t", "tr", "v", "vl", "z", "zh", "sh", "ch", "y", "j", "f", "sk", "sl", "ml", "hr"]
_VOWELS = ["a", "e", "i", "o", "u", "a", "o", "e", "ia", "ei"]
_CODAS = ["", "", "", "n", "r", "l", "s", "k", "m", "v", "t", "sk", "nd", "rn", "st", "z"]
_COUNTRY_SUFFIXES = ["ia", "ovia", "enia", "aria", "avia", "istia", "onia"]
_TOWN_SUFFIXES = ["", "", "grad", "mar", "ik", "ov", "ava", "burg", "opol", "an", "ets", "in"]
_FIRST_ENDINGS = ["", "", "ey", "an", "o", "ar", "im", "ian", "is", "ek"]
_FIRST_ENDINGS_F = ["a", "ia", "ena", "ina", "eta"]
_SURNAME_ENDINGS = ["ov", "an", "ek", "enko", "escu", "ski", "ani", "ard", "ovic", "in", "er", "as"]
_OUTLET_NOUNS = ["Courier", "Ledger", "Observer", "Post", "Herald", "Gazette", "Tribune", "Review",
                 "Wire", "Today", "Insight", "Monitor", "Dispatch", "Chronicle", "Bulletin", "Standard",
                 "Telegraph", "Journal", "Express", "Voice", "Mirror", "Sentinel", "Record", "Press"]
_OUTLET_PREFIXES = ["", "", "", "The ", "Daily ", "Evening ", "Morning "]
_EXERCISE_ADJ = ["Iron", "Steel", "Northern", "Silver", "Eastern", "Union", "Granite", "Thunder", "Winter"]
_EXERCISE_NOUN = ["Steppe", "Shield", "Brotherhood", "Frontier", "Falcon", "Bastion", "Anvil", "Guard"]
_BLOCS = ["the Ambric Union", "the Western Council", "the Coastal Alliance", "the Northern Compact",
          "the Seven-Nation Group"]
_SQUARES = ["Freedom Square", "Independence Avenue", "Victory Park", "the river embankment",
            "the central railway station", "October Square", "the Old Market", "Unity Boulevard"]
_RESIDENCES = ["Sea Gull residence", "Pine Lodge", "White Cliffs residence", "Lake House",
               "Amber Palace", "Falcon Rock estate"]
_INSTITUTES = ["Centre for Eastern Studies", "Institute of Regional Policy", "Strategic Review Group",
               "Open Society Forum", "Bureau of Economic Research", "Institute for Security Studies"]
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
                 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_MONTHS_ABBR = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
                "Dec."]


def _word(rng: random.Random, syllables: int) -> str:
    parts = []
    for k in range(syllables):
        parts.append(rng.choice(_ONSETS) + rng.choice(_VOWELS) + (rng.choice(_CODAS) if k == syllables - 1 else ""))
    return "".join(parts)


def _name(rng: random.Random, suffixes: list[str], syllables: tuple[int, int] = (2, 2)) -> str:
    return (_word(rng, rng.randint(*syllables)) + rng.choice(suffixes)).capitalize()


@dataclass
class Person:
    first: str
    last: str
    role: str  # "president of Kardovia", "spokesman for the Kardovian president", ...
    female: bool = False
    variant: str | None = None  # another spelling of the surname some outlets use

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


def _person(rng: random.Random, role: str) -> Person:
    female = rng.random() < 0.35
    first = _name(rng, _FIRST_ENDINGS_F if female else _FIRST_ENDINGS, (1, 2))
    last = _name(rng, _SURNAME_ENDINGS, (1, 2))
    if female and last.endswith(("ov", "in", "ek")):
        last += "a"
    variant = None
    if rng.random() < 0.3:  # "Dobrovan" / "Dabrovan"
        vowels = [k for k, ch in enumerate(last) if ch in "aeiou" and k > 0]
        if vowels:
            k = rng.choice(vowels)
            variant = last[:k] + rng.choice([v for v in "aeiou" if v != last[k]]) + last[k + 1:]
    return Person(first, last, role, female, variant)


@dataclass
class Country:
    name: str
    capital: str
    towns: list[str]
    president: Person
    spokesman: Person
    foreign_minister: Person
    finance_minister: Person

    @property
    def adj(self) -> str:  # "Kardovia" -> "Kardovian"
        return self.name + "n" if self.name.endswith("ia") else self.name + "ian"


def _country(rng: random.Random) -> Country:
    name = _name(rng, _COUNTRY_SUFFIXES, (1, 2))
    capital = _name(rng, _TOWN_SUFFIXES, (2, 2))
    towns = list(dict.fromkeys(_name(rng, _TOWN_SUFFIXES, (1, 3)) for _ in range(4)))
    return Country(name, capital, [t for t in towns if t != capital], _person(rng, "president"),
                   _person(rng, "spokesman"), _person(rng, "foreign minister"), _person(rng, "finance minister"))


@dataclass
class Outlet:
    name: str
    domain: str
    wire_style: bool  # "CITY, Sept 19 (Outlet) - " datelines


def _outlets(seed: int, count: int = 80) -> list[Outlet]:
    rng = random.Random(f"{seed}:outlets")
    out, seen = [], set()
    while len(out) < count:
        base = _name(rng, _TOWN_SUFFIXES, (1, 2))
        name = f"{rng.choice(_OUTLET_PREFIXES)}{base} {rng.choice(_OUTLET_NOUNS)}".strip()
        if name in seen:
            continue
        seen.add(name)
        slug = name.lower().replace("the ", "").replace(" ", "-")
        out.append(Outlet(name, f"{slug}.example", rng.random() < 0.25))
    return out


# -------------------------------------------------------------------------------------- story

KINDS = ("talks", "loan", "protest", "visit", "forum", "exercise", "sanctions", "arrests")


@dataclass
class Event:
    kind: str
    date: dt.date
    place: str
    figures: dict[str, float | int | str] = field(default_factory=dict)


@dataclass
class Story:
    index: int
    big: Country  # the patron ("Kardovia")
    small: Country  # the client ("Lestavia")
    opposition: Person
    analysts: list[tuple[Person, str]]  # (person, institute)
    outlets: list[Outlet]
    election: dt.date
    election_share: int
    events: list[Event]
    exercise_name: str
    bloc: str


def make_story(seed: int, k: int, outlets: list[Outlet]) -> Story:
    rng = random.Random(f"{seed}:story:{k}")
    big, small = _country(rng), _country(rng)
    while small.name == big.name:
        small = _country(rng)
    opposition = _person(rng, "opposition leader")
    analysts = [(_person(rng, "analyst"), rng.choice(_INSTITUTES)) for _ in range(4)]
    year = rng.randint(2011, 2024)
    election = dt.date(year, rng.randint(2, 9), rng.randint(1, 28))
    events: list[Event] = []
    day = election + dt.timedelta(days=rng.randint(20, 45))
    kinds = ["protest", "arrests", "talks", "loan"] + rng.sample(["visit", "forum", "exercise", "sanctions",
                                                                   "talks", "protest"], rng.randint(1, 4))
    rng.shuffle(kinds[2:])
    for kind in kinds:
        if kind in ("protest", "arrests"):
            place = rng.choice([small.capital] + small.towns[:1])
        elif kind == "talks":
            place = rng.choice(big.towns + [big.capital])
        elif kind == "visit":
            place = small.capital
        elif kind == "forum":
            place = rng.choice(small.towns + big.towns)
        elif kind == "exercise":
            place = rng.choice(small.towns)
        else:
            place = big.capital
        figures: dict[str, float | int | str] = {
            "hours": rng.choice([2, 2.5, 3, 3.5, 4, 5, 6, 7]),
            "loan": rng.choice([300, 500, 600, 800, 1000, 1500, 2000, 2500, 3000]),  # millions of dollars
            "crowd": rng.choice([8000, 12000, 20000, 31000, 50000, 80000, 100000, 150000, 200000]),
            "detained": rng.randint(12, 900),
            "agreements": rng.randint(3, 40),
            "percent": rng.randint(11, 86),
            "troops": rng.choice([2500, 4000, 6000, 9000, 12000, 15000]),
            "officials": rng.randint(5, 120),
            "gas": rng.choice([96, 112, 128, 140, 155, 170]),
            "trade": round(rng.uniform(1.2, 28.0), 1),  # billions of dollars
        }
        events.append(Event(kind, day, place, figures))
        day += dt.timedelta(days=rng.randint(6, 70))
    story_outlets = rng.sample(outlets, rng.randint(5, 12))
    exercise = f"{rng.choice(_EXERCISE_ADJ)} {rng.choice(_EXERCISE_NOUN)}"
    return Story(k, big, small, opposition, analysts, story_outlets, election, rng.randint(58, 89), events,
                 exercise, rng.choice(_BLOCS))


def story_sizes(seed: int) -> Iterator[int]:
    """Articles per story, story after story (10 to 40 each)."""
    k = 0
    while True:
        yield random.Random(f"{seed}:size:{k}").randint(10, 40)
        k += 1


# ------------------------------------------------------------------------------ phrase helpers


def _dm(d: dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]}"


def date_phrase(rng: random.Random, d: dt.date, published: dt.date | None, *, allow_relative: bool = True) -> str:
    """The date of an event as a reporter would write it, relative to the article's date."""
    forms = [f"on {_dm(d)}", f"on {_MONTHS[d.month - 1]} {d.day}", f"on {_dm(d)} {d.year}",
             f"on {_MONTHS_ABBR[d.month - 1]} {d.day}, {d.year}"]
    if published is not None and allow_relative:
        delta = (published - d).days
        if delta == 0:
            forms += ["today", "on " + _WEEKDAYS[d.weekday()]]
        elif delta == 1:
            forms += ["yesterday", "on " + _WEEKDAYS[d.weekday()]]
        elif 1 < delta < 7:
            forms += ["on " + _WEEKDAYS[d.weekday()]] * 2
        elif -7 < delta < 0:
            forms += ["next " + _WEEKDAYS[d.weekday()], "on " + _WEEKDAYS[d.weekday()]]
        elif 25 < delta < 60 and published.month != d.month:
            forms += ["last month", f"in {_MONTHS[d.month - 1]}"]
        elif delta > 200 and published.year == d.year + 1:
            forms += [f"last {_MONTHS[d.month - 1]}", f"in {_MONTHS[d.month - 1]} last year"]
    return rng.choice(forms)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def money(rng: random.Random, millions: float) -> str:
    if millions >= 1000:
        v = millions / 1000
        num = f"{v:g}"
        return rng.choice([f"${num} billion", f"$ {num} billion", f"{num} billion dollars", f"US${num} billion",
                           f"USD {num} bn", f"${num}bn"])
    return rng.choice([f"${millions:g} million", f"{millions:g} million dollars", f"US${millions:g} million"])


def hours(rng: random.Random, h: float) -> str:
    whole = int(h)
    if h != whole:
        base = f"{_NUMBER_WORDS.get(whole, whole)} and a half hours"
    else:
        base = f"{_NUMBER_WORDS.get(whole, whole)} hour{'s' if whole != 1 else ''}"
    return rng.choice(["", "almost ", "about ", "more than ", "nearly ", "well over "]) + base


def people(rng: random.Random, n: int) -> str:
    if n >= 1000 and n % 1000 == 0 and rng.random() < 0.3:
        return f"{rng.choice(['about ', 'some ', ''])}{n // 1000} thousand people"
    return f"{rng.choice(['about ', 'more than ', 'at least ', 'some ', ''])}{n:,} people"


def number(rng: random.Random, n: int) -> str:
    return _NUMBER_WORDS[n] if n in _NUMBER_WORDS and rng.random() < 0.6 else f"{n:,}"


def percent(rng: random.Random, n: int) -> str:
    return rng.choice([f"{n} percent", f"{n} per cent", f"{n}%"])


# ----------------------------------------------------------------------------- paragraph writer


class Writer:
    """Writes the paragraphs of one article about `event` of `story`, published on `published`."""

    def __init__(self, rng: random.Random, story: Story, event: Event, published: dt.date | None,
                 outlet: Outlet | None) -> None:
        self.r = rng
        self.s = story
        self.e = event
        self.pub = published
        self.outlet = outlet

    # names as outlets write them -------------------------------------------------------------
    def big_pres(self, full: bool = False) -> str:
        p = self.s.big.president
        if full or self.r.random() < 0.4:
            return f"{self.r.choice(['', self.s.big.adj + ' ', 'President '])}{p.first} {self._last(p)}".strip()
        return self._last(p)

    def small_pres(self, full: bool = False) -> str:
        p = self.s.small.president
        if full or self.r.random() < 0.4:
            return f"{self.r.choice(['', self.s.small.adj + ' leader ', 'President '])}{p.first} {self._last(p)}".strip()
        return self._last(p)

    def _last(self, p: Person) -> str:
        return p.variant if p.variant and self.r.random() < 0.15 else p.last

    def when(self, event: Event | None = None, relative: bool = True) -> str:
        return date_phrase(self.r, (event or self.e).date, self.pub, allow_relative=relative)

    def analyst(self) -> tuple[str, str]:
        person, institute = self.r.choice(self.s.analysts)
        return person.full, institute

    # paragraphs ---------------------------------------------------------------------------------
    def lede(self) -> str:
        s, e, r = self.s, self.e, self.r
        B, S, f = s.big, s.small, e.figures
        kind = e.kind
        if kind == "talks":
            return r.choice([
                f"{self.big_pres(True)} and {self.small_pres(True)} met in {e.place} {self.when()} and talked behind "
                f"closed doors for {hours(r, f['hours'])}, their first meeting since the disputed {S.adj} election.",
                f"The presidents of {B.name} and {S.name} held talks in {e.place} {self.when()}. The meeting at the "
                f"{r.choice(_RESIDENCES)} lasted {hours(r, f['hours'])} and ended without a joint statement.",
                f"{self.small_pres(True)} flew to {e.place} {self.when()} for talks with {self.big_pres(True)}, "
                f"seeking money and political support as protests at home entered another week.",
            ])
        if kind == "loan":
            return r.choice([
                f"{B.name} will lend {money(r, f['loan'])} to {S.name}, {self.big_pres(True)} announced {self.when()} "
                f"after talks with {self.small_pres(True)} in {e.place}.",
                f"{self.big_pres(True)} promised {self.when()} a state loan of {money(r, f['loan'])} to {S.name}, "
                f"throwing a financial lifeline to {self.small_pres()} after weeks of street protests.",
                f"The {B.adj} government agreed {self.when()} to provide {S.name} with a credit of "
                f"{money(r, f['loan'])}, the finance ministries of the two countries said in {e.place}.",
            ])
        if kind == "protest":
            return r.choice([
                f"{people(r, f['crowd']).capitalize()} marched through {e.place} {self.when()} to demand new "
                f"elections, in one of the largest protests since the vote of {_dm(s.election)}.",
                f"Tens of thousands of protesters rallied in {e.place} {self.when()}. Independent media put the "
                f"crowd at {people(r, f['crowd'])}, while the interior ministry spoke of far fewer.",
                f"Demonstrators filled {r.choice(_SQUARES)} in {e.place} {self.when()}, calling on "
                f"{self.small_pres()} to step down and release those detained since the election.",
            ])
        if kind == "arrests":
            return r.choice([
                f"Police in {e.place} detained {f['detained']} people {self.when()}, the highest number for a single "
                f"day since the unrest began, according to human rights monitors.",
                f"The {S.adj} interior ministry said {self.when()} that {f['detained']} protesters had been detained "
                f"in {e.place} and other towns over the weekend.",
            ])
        if kind == "visit":
            return r.choice([
                f"{self.big_pres(True)} arrived in {e.place} {self.when()} on a state visit, his first to {S.name} "
                f"in years, and the two governments signed {number(r, int(f['agreements']))} cooperation programmes.",
                f"The {B.adj} leader paid a state visit to {e.place} {self.when()}. {self.small_pres(True)} met his "
                f"guest at the airport, and the talks lasted {hours(r, f['hours'])}.",
                f"{self.big_pres(True)} visited {S.name} {self.when()}, where the two sides signed "
                f"{number(r, int(f['agreements']))} agreements and fixed the price of gas for the next year.",
            ])
        if kind == "forum":
            return r.choice([
                f"The Forum of Regions of {B.name} and {S.name} opened in {e.place} {self.when()}, with both presidents "
                f"and more than a thousand officials and managers taking part.",
                f"{self.small_pres(True)} and {self.big_pres(True)} met in {e.place} {self.when()} at the annual Forum "
                f"of Regions, where companies signed {number(r, int(f['agreements']))} contracts.",
            ])
        if kind == "exercise":
            return r.choice([
                f"The joint exercise {s.exercise_name} began near {e.place} {self.when()}, with "
                f"{f['troops']:,} {B.adj} and {S.adj} troops taking part, the defence ministries said.",
                f"{B.name} and {S.name} started military exercises near {e.place} {self.when()}. The drills, called "
                f"{s.exercise_name}, involve about {f['troops']:,} soldiers and will last two weeks.",
            ])
        return r.choice([  # sanctions
            f"{s.bloc.capitalize()} imposed sanctions on {f['officials']} {S.adj} officials {self.when()}, "
            f"including members of the election commission and senior police officers.",
            f"Foreign ministers of {s.bloc} agreed {self.when()} to freeze the assets of {f['officials']} "
            f"{S.adj} officials whom they blame for the crackdown on protesters.",
        ])

    def details(self) -> list[str]:
        s, e, r = self.s, self.e, self.r
        B, S, f = s.big, s.small, e.figures
        out = [
            f"According to the {S.adj} finance ministry, loans from {B.name} made up {percent(r, int(f['percent']))} "
            f"of all state debt owed abroad at the end of the last quarter.",
            f"Trade between the two countries reached {money(r, f['trade'] * 1000)} last year, and {B.adj} state "
            f"companies own large parts of the {S.adj} refining and fertiliser industries.",
            f"{S.name} must pay back about {money(r, r.choice([200, 400, 600, 900]))} to {B.name} next year, and "
            f"economists expect much of the new money to travel straight back to {B.capital}.",
            f"The terms of the credit, such as the interest rate and the repayment period, were not made public. "
            f"The finance ministers were told to finish the technical work within {number(r, r.randint(2, 8))} weeks.",
            f"{self.small_pres()} said the price of {B.adj} gas would stay at {f['gas']} dollars per 1,000 cubic "
            f"metres, well below what customers in the west of the continent pay.",
        ]
        if e.kind in ("talks", "visit", "forum", "loan"):
            out += [
                f"No declaration was signed after the talks, but in the opening minutes, in front of the cameras, "
                f"{self.big_pres()} spoke of a loan of {money(r, f['loan'])} and of joint projects in energy and transport.",
                f"The two leaders talked for {hours(r, f['hours'])} at the {r.choice(_RESIDENCES)} near {e.place}. "
                f"Reporters were kept at a distance and no questions were taken.",
                f"Officials said the delegations discussed {number(r, int(f['agreements']))} programmes of cooperation, "
                f"from machine building to a new railway line between {B.capital} and {S.capital}.",
            ]
        if e.kind in ("protest", "arrests"):
            out += [
                f"The interior ministry said {f['detained']} people were detained during the day. Lawyers said many "
                f"of them were held for hours without being told why.",
                f"Marchers walked from {r.choice(_SQUARES)} to {r.choice(_SQUARES)} carrying the old white-and-red "
                f"flag and portraits of jailed activists. Riot police blocked the bridges.",
                f"Independent monitors counted {people(r, f['crowd'])} in the centre of {e.place}, while state "
                f"television showed empty streets and spoke of a few hundred troublemakers.",
            ]
        if e.kind in ("exercise",):
            out.append(f"The drills include {number(r, r.randint(40, 200))} tanks and {number(r, r.randint(10, 60))} "
                       f"aircraft, and will end with a parade near {e.place}.")
        if e.kind == "sanctions":
            out.append(f"The list of {f['officials']} names includes the head of the election commission and the "
                       f"commander of the riot police in {S.capital}; their assets in {s.bloc} are frozen.")
        return out

    def quotes(self) -> list[str]:
        s, r, f = self.s, self.r, self.e.figures
        B, S = s.big, s.small
        a_name, a_inst = self.analyst()
        b_name, b_inst = self.analyst()
        return [
            f"\"Our governments have agreed that {B.name} will provide a state credit of {money(r, f['loan'])} to "
            f"{S.name}, and this promise will be fulfilled,\" {self.big_pres()} said.",
            f"\"{B.name} is our big brother, and our two nations are practically one family,\" {self.small_pres()} "
            f"told reporters after the talks.",
            f"{B.spokesman.full}, spokesman for the {B.adj} president, said {B.capital} considered "
            f"{self.small_pres()} \"the legitimate head of state\" and that the actions of the police were \"not a "
            f"subject of bilateral talks\".",
            f"\"The loan buys time, but it does not solve anything,\" said {a_name} of the {a_inst}. \"He will "
            f"promise reforms today and forget them tomorrow.\"",
            f"{b_name}, an economist at the {b_inst}, said that {percent(r, r.randint(20, 70))} of the new money "
            f"would only refinance old debts. \"It is a loan to pay for loans,\" {b_name.split()[-1]} said.",
            f"The opposition leader {s.opposition.full}, who now lives in exile, called the result of the election "
            f"\"a theft in broad daylight\" and urged foreign governments not to lend money to {S.capital}.",
            f"\"We will not allow anyone to destabilise our country from outside,\" {S.foreign_minister.full}, the "
            f"{S.adj} foreign minister, told parliament.",
            f"{S.finance_minister.full}, the finance minister, said the first tranche of {money(r, f['loan'] / 2)} "
            f"would arrive \"within weeks\" and go to pensions and salaries in the public sector.",
        ]

    def recall(self) -> list[str]:
        """Paragraphs that recall earlier (or announce later) events of the story."""
        s, r = self.s, self.r
        out = []
        for other in s.events:
            if other is self.e:
                continue
            if self.pub is not None and other.date > self.pub:
                continue  # reporters do not know the future
            f = other.figures
            when = self.when(other)
            out.append(r.choice({
                "talks": [f"The two presidents last met in {other.place} {when}, when they talked for "
                          f"{hours(r, f['hours'])}.",
                          f"At their meeting in {other.place} {when}, {self.big_pres()} had promised to stand by "
                          f"{self.small_pres()}."],
                "loan": [f"{s.big.name} had already promised a loan of {money(r, f['loan'])} {when}.",
                         f"The credit of {money(r, f['loan'])} announced {when} has not yet been paid in full, "
                         f"officials admit."],
                "protest": [f"{people(r, f['crowd']).capitalize()} took part in the protest in {other.place} {when}, "
                            f"according to independent media.",
                            f"The rally in {other.place} {when} was the largest since the election."],
                "arrests": [f"Police detained {f['detained']} people in {other.place} {when}.",
                            f"Rights groups said {f['detained']} protesters were arrested {when}."],
                "visit": [f"{self.big_pres()} made a state visit to {other.place} {when}, when "
                          f"{number(r, int(f['agreements']))} programmes were signed."],
                "forum": [f"At the Forum of Regions in {other.place} {when}, companies signed "
                          f"{number(r, int(f['agreements']))} contracts."],
                "exercise": [f"The joint exercise {s.exercise_name} began near {other.place} {when}, with "
                             f"{f['troops']:,} troops."],
                "sanctions": [f"{s.bloc.capitalize()} imposed sanctions on {f['officials']} officials {when}."],
            }[other.kind]))
        election = (f"The protests started after the presidential election of {_dm(s.election)} {s.election.year}, "
                    f"when the central election commission gave {self.small_pres()} "
                    f"{percent(r, s.election_share)} of the vote.")
        return out + [election]

    def background(self) -> str:
        """One paragraph of background, built from parts so that hardly two are alike."""
        r = self.r
        return " ".join(self.sentence() for _ in range(r.randint(2, 4)))

    def sentence(self) -> str:
        s, r = self.s, self.r
        B, S = s.big, s.small
        town = r.choice(S.towns + B.towns + [S.capital, B.capital])
        a_name, a_inst = self.analyst()
        singular = [f"the {S.adj} economy", f"the government in {S.capital}", f"the central bank in {S.capital}",
                    f"the {B.adj} foreign ministry", f"the largest refinery in {town}", "the opposition council",
                    f"the mayor of {town}", f"the {S.adj} parliament", "the state railway company",
                    f"the potash industry around {town}", "the national airline", f"the {B.adj} embassy"]
        plural = [f"{B.adj} state companies", f"factories in {town}", f"farmers around {town}",
                  f"pensioners in {town}", f"students in {S.capital}", f"small traders in {town}",
                  f"doctors and teachers in {town}", f"bankers in {B.capital}", f"local officials in {town}",
                  "young families", "lorry drivers at the border", f"steel workers in {town}"]
        verbs = [("has depended for years on", "have depended for years on"), ("has been hit hard by", "have been hit hard by"),
                 ("is waiting for", "are waiting for"), ("has complained about", "have complained about"),
                 ("has asked for", "have asked for"), ("is worried about", "are worried about"),
                 ("has quietly welcomed", "have quietly welcomed"), ("is still arguing about", "are still arguing about"),
                 ("keeps talking about", "keep talking about"), ("has warned against", "have warned against"),
                 ("has little to say about", "have little to say about"), ("is counting on", "are counting on")]
        objects = [f"cheap {B.adj} gas", "the falling currency", f"orders from {B.name}", "rising food prices",
                   f"a new railway line to {town}", "the repair of the old refinery", "the delayed pension reform",
                   "foreign credits", "the closing of border crossings", "a ban on imports of dairy products",
                   "higher taxes on small businesses", "the shortage of medicines", f"the bridge over the river at {town}",
                   "the new customs rules", "the price of bread", "the next harvest", "the end of the state of emergency",
                   f"investors from {B.name}", "the budget for next year", "the wage freeze in the public sector"]
        tails = [f"according to {a_name} of the {a_inst}", f"{r.randint(2, 30)} years after independence",
                 "officials say in private", f"since {_MONTHS[r.randrange(12)]}", "as the winter approaches",
                 f"with unemployment at {percent(r, r.randint(3, 19))}", "and few expect that to change soon",
                 "local newspapers report", f"a survey by the {r.choice(_INSTITUTES)} found",
                 "although nobody says so in public", f"{number(r, r.randint(2, 9))} months before the next budget",
                 "in the view of most economists", "despite promises made at every meeting"]
        frames = r.randrange(7)
        if frames == 0:
            subj, k = (r.choice(singular), 0) if r.random() < 0.5 else (r.choice(plural), 1)
            return _cap(f"{subj} {r.choice(verbs)[k]} {r.choice(objects)}, {r.choice(tails)}.")
        if frames == 1:
            subj, k = (r.choice(singular), 0) if r.random() < 0.5 else (r.choice(plural), 1)
            said = r.choice(["said", "believes", "wrote", "told local radio", "argued last week", "noted"])
            return f"{a_name} of the {a_inst} {said} that {subj} " \
                   f"{r.choice(verbs)[k]} {r.choice(objects)}."
        if frames == 2:
            return (f"Inflation reached {percent(r, r.randint(4, 35))} in {_MONTHS[r.randrange(12)]}, and the currency "
                    f"lost {percent(r, r.randint(5, 40))} of its value against the dollar.")
        if frames == 3:
            what = r.choice(["new flats", "kilometres of road", "schools", "tractors", "buses", "hospital beds",
                             "tonnes of grain", "jobs"])
            return (f"{r.choice(['Last year', 'In the first half of the year', 'Since the spring', 'Over five years'])} "
                    f"{town} {r.choice(['gained', 'lost', 'was promised', 'waited for'])} {r.randint(12, 4800):,} "
                    f"{what}, {r.choice(tails)}.")
        if frames == 4:
            return (f"In {town}, {r.choice(['queues formed', 'shops closed early', 'the streets were quiet', 'buses ran late', 'police stood at every corner'])} "
                    f"{r.choice(['on the day of the talks', 'during the weekend', 'for most of the week', 'after the announcement'])}, "
                    f"{r.choice(['residents said', 'witnesses said', 'a local reporter wrote', 'according to social media posts'])}.")
        if frames == 5:
            share = r.randint(8, 71)
            return (f"{r.choice(['A poll', 'A survey', 'An online study'])} by the {r.choice(_INSTITUTES)} found that "
                    f"{percent(r, share)} of {S.adj} voters {r.choice(['trust', 'distrust', 'support', 'fear'])} "
                    f"{r.choice(['closer ties with ' + B.name, 'the government', 'the opposition council', 'foreign loans'])}.")
        return _cap(f"{r.choice(plural)} {r.choice(['marched', 'gathered', 'waited', 'signed a petition', 'went on strike'])} "
                f"{r.choice(['in the autumn', 'in the spring', 'two years ago', 'after the last election', 'before the summit'])}, "
                f"{r.choice(tails)}.")

    def reactions(self) -> list[str]:
        s, r = self.s, self.r
        return [
            f"Governments in {s.bloc} said they did not recognise the result of the election and called for a "
            f"dialogue between the authorities and the opposition.",
            f"The opposition council said it would hold another march {r.choice(['next Sunday', 'at the weekend', 'next week'])} "
            f"and asked people to come without flags and to avoid the police cordons.",
            f"Human rights groups said at least {number(r, r.randint(2, 9))} journalists were among those detained "
            f"and that {number(r, r.randint(1, 5))} of them were still being held.",
            f"In {s.big.capital}, commentators on state television praised the talks as proof that {s.small.name} "
            f"had chosen its side, while independent economists were more cautious.",
            f"Workers at the tractor plant in {r.choice(s.small.towns or [s.small.capital])} went on strike for "
            f"{number(r, r.randint(1, 6))} days, and several state television presenters resigned.",
        ]

    def title(self) -> str:
        s, e, r = self.s, self.e, self.r
        B, S, f = s.big, s.small, e.figures
        options = {
            "talks": [f"{self._last(s.big.president)} and {self._last(s.small.president)} meet in {e.place}",
                      f"Talks in {e.place} end without a declaration"],
            "loan": [f"{B.name} pledges {money(r, f['loan'])} loan to {S.name}",
                     f"{self._last(s.small.president)} gets a loan but no signature in {e.place}"],
            "protest": [f"Huge crowds march in {e.place} again", f"{S.name}: protesters fill the streets of {e.place}"],
            "arrests": [f"{f['detained']} detained in {e.place}", f"Police detain hundreds in {S.name}"],
            "visit": [f"{self._last(s.big.president)} in {e.place}: {f['agreements']} programmes signed",
                      f"State visit to {S.name} fixes gas price"],
            "forum": [f"Forum of Regions opens in {e.place}", f"Contracts signed at {e.place} forum"],
            "exercise": [f"{s.exercise_name} exercise begins near {e.place}", f"{B.name} sends troops to {S.name} drills"],
            "sanctions": [f"{s.bloc.capitalize()} sanctions {f['officials']} {S.adj} officials",
                          f"New sanctions over {S.name} crackdown"],
        }[e.kind]
        return r.choice(options)

    def article(self, target_words: int) -> str:
        r = self.r
        paragraphs = [self.lede()]
        pools = [self.details(), self.quotes(), self.recall(), self.reactions()]
        for pool in pools:
            r.shuffle(pool)
        words = len(paragraphs[0].split())
        turn = 0
        while words < target_words:
            pool = pools[turn % len(pools)]
            turn += 1
            if pool and r.random() < 0.8:
                p = pool.pop()
                if r.random() < 0.35:
                    p += " " + self.sentence()
            elif r.random() < 0.5 or not any(pools):
                p = self.background()
            else:
                continue
            paragraphs.append(p)
            words += len(p.split())
        if self.outlet and self.outlet.wire_style:
            city = self.e.place.upper()
            month = _MONTHS_ABBR[self.pub.month - 1] if self.pub else ""
            head = f"{city}, {month} {self.pub.day} ({self.outlet.name}) - " if self.pub else f"{city} ({self.outlet.name}) - "
            paragraphs[0] = head + paragraphs[0]
        return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------------- articles


def _near_copy(rng: random.Random, text: str) -> str:
    """A reprint: another opening line, a few words changed, a paragraph dropped or not."""
    paragraphs = text.split("\n\n")
    if len(paragraphs) > 6 and rng.random() < 0.5:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    swaps = [("said", "stated"), ("talks", "negotiations"), ("people", "persons"), ("about", "around"),
             ("announced", "declared"), ("also", "as well"), ("country", "nation")]
    for _ in range(rng.randint(2, 5)):
        k = rng.randrange(len(paragraphs))
        old, new = rng.choice(swaps)
        paragraphs[k] = paragraphs[k].replace(f" {old} ", f" {new} ", 1)
    paragraphs.insert(0, rng.choice(["Reprinted with permission.", "This report was first published by a partner "
                                     "outlet.", "From our partners:"]))
    return "\n\n".join(paragraphs)


def _record(title: str, text: str, published: dt.date | None, outlet: Outlet | None, rng: random.Random,
            slug: int, meta: dict) -> dict:
    rec: dict = {"title": title, "text": text}
    if published is not None:
        hh, mm = rng.randint(5, 22), rng.randint(0, 59)
        rec["published"] = rng.choice([published.isoformat(), f"{published.isoformat()}T{hh:02d}:{mm:02d}:00+00:00"])
    if outlet is not None:
        rec["source"] = outlet.name
        if rng.random() < WITH_URL:
            rec["url"] = f"https://{outlet.domain}/news/{published.year if published else 'story'}/{slug}"
    rec["_meta"] = meta
    return rec


def generate_articles(n: int, seed: int = 0) -> Iterator[dict]:
    """The first `n` articles of the corpus for `seed`, one JSONL record (a dict) at a time."""
    outlets = _outlets(seed)
    recent: deque[dict] = deque(maxlen=40)  # this story's latest originals, for reprints
    sizes = story_sizes(seed)
    k, left = -1, 0
    story: Story | None = None
    for i in range(n):
        if left == 0:
            k += 1
            left = next(sizes)
            story = make_story(seed, k, outlets)
            recent.clear()
        left -= 1
        rng = random.Random(f"{seed}:article:{i}")
        assert story is not None
        roll = rng.random()
        if recent and roll < REPRINT_EXACT + REPRINT_NEAR:
            orig = rng.choice(list(recent))
            outlet = rng.choice(story.outlets)
            published = dt.date.fromisoformat(orig["published"][:10]) if orig.get("published") else None
            if roll < REPRINT_EXACT:
                text, kind = orig["text"], "exact"
            else:
                text, kind = _near_copy(rng, orig["text"]), "near"
                if published is not None:
                    published += dt.timedelta(days=rng.randint(0, 2))
            meta = dict(orig["_meta"], reprint=kind, of=orig["_meta"]["id"], id=i)
            yield _record(orig["title"], text, published, outlet, rng, i, meta)
            continue
        event = rng.choice(story.events)
        published = event.date + dt.timedelta(days=rng.choice([0, 0, 1, 1, 1, 2, 3, 5, 9]))
        outlet = rng.choice(story.outlets) if rng.random() >= NO_SOURCE else None
        writer = Writer(rng, story, event, published, outlet)
        target = int(min(1000, max(450, rng.gauss(MEAN_WORDS, 90))))
        text = writer.article(target)
        title = writer.title()
        if rng.random() < NO_DATE:
            published = None  # the article says "on Monday"; the pipeline must infer the date
        meta = {"id": i, "story": k, "event": event.kind, "event_date": event.date.isoformat(),
                "place": event.place, "reprint": None}
        rec = _record(title, text, published, outlet, rng, i, meta)
        recent.append(rec)
        yield rec


def write_corpus(out_dir: str | Path, n: int, seed: int = 0, per_file: int = 500,
                 manifest_path: str | Path | None = None) -> dict:
    """Stream `n` articles into JSONL files of `per_file` lines under `out_dir`; returns the manifest.

    The manifest (counts and file names) is also written to `manifest_path` when given; keep it
    outside `out_dir`, or storyline would take it for an input.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("synthetic-*.jsonl"):
        old.unlink()
    files: list[str] = []
    words = reprints = undated = 0
    handle = None
    try:
        for i, rec in enumerate(generate_articles(n, seed)):
            if i % per_file == 0:
                if handle:
                    handle.close()
                name = f"synthetic-{i // per_file:05d}.jsonl"
                files.append(name)
                handle = (out / name).open("w", encoding="utf-8")
            handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
            words += len(rec["text"].split())
            reprints += rec["_meta"]["reprint"] is not None
            undated += "published" not in rec
    finally:
        if handle:
            handle.close()
    manifest = {"generator_version": GENERATOR_VERSION, "seed": seed, "articles": n, "words": words,
                "reprints": reprints, "undated": undated, "files": files}
    if manifest_path is not None:
        Path(manifest_path).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-file", type=int, default=500)
    ap.add_argument("--manifest", help="also write the manifest here (outside OUT_DIR)")
    args = ap.parse_args(argv)
    manifest = write_corpus(args.out_dir, args.n, args.seed, args.per_file, args.manifest)
    print(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
