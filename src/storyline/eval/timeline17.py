"""Score storyline's timelines on Timeline17 (``storyline eval timeline17 DIR``).

One task per gold timeline file. storyline is built from the task folder's articles: each
article's PTB-tokenized lines are detokenized (:func:`~storyline.eval.datasets.detokenize_ptb`)
and joined one sentence a line, with the folder name as publication date and the source
(``bbc``, ``guardian`` ...) as outlet. Tasks whose folders hold the same articles share one build.

The predicted timeline has the gold timeline's length: its number of dates, and
``round(gold sentences / gold dates)`` (at least 1) sentences per date, the usual setting
(Martschat & Markert 2018; Ghalandari & Ifrim 2020). It is made from the database:

*Dates* (day precision only, within :data:`WINDOW_BEFORE` days before the first publication
date to the last one), ranked by ``strategy``:

* ``events``: storyline's events with a day-precision date, a date scoring the number of
  articles (main + mentioning) of its events plus a tenth per mention;
* ``timexes``: the classic signal, the number of articles with a sentence whose time
  expression resolves to that day (``timexes`` table, TIMEX3 ``DATE`` values);
* ``combined`` (default): the two scores added.

Ties go to the earlier date.

*Sentences* for a date are chosen among candidates by centrality: the cosine of a sentence's
TF-IDF vector (IDF over every sentence of the task, stopwords removed) with the centroid of the
date's candidates. A candidate whose cosine with a sentence already chosen exceeds
:data:`MAX_REDUNDANCY` is skipped, and so are sentences outside :data:`MIN_TOKENS`..
:data:`MAX_TOKENS` tokens. The candidates of a date: the sentences whose time expression resolves
to it (from reports published within :data:`RECENT_DAYS` days after it, when there are enough of
those); the first :data:`LEAD_SENTENCES` sentences of reports published on that day or the next
that name no other day; and (``events``, ``combined``) the key sentences of the events dated
that day.

Scores per task: Date F1, and AR-1 / AR-2 F1 (:func:`~storyline.eval.timeline_metrics.align_rouge`,
tilse's ``align_date_content_costs_many_to_one``) against the gold timeline detokenized the same
way; their mean over tasks. The ROUGE tokenization has no stemming and keeps stopwords (see
:mod:`storyline.eval.timeline_metrics`), so AR figures are close to, not equal to, tilse's.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from storyline.eval.datasets import T17Task, read_timeline17
from storyline.eval.metrics import PRF
from storyline.eval.runner import BuiltCorpus, EvalArticle, temporary_corpus
from storyline.eval.timeline_metrics import align_rouge, date_f1, rouge_tokenize

STRATEGIES: tuple[str, ...] = ("events", "timexes", "combined")

WINDOW_BEFORE = 30  # days before the first publication date a timeline date may lie
MIN_TOKENS, MAX_TOKENS = 6, 60
MAX_REDUNDANCY = 0.5
MENTION_WEIGHT = 0.1  # an event's date score: its articles, plus this per mention
RECENT_DAYS = 7  # a date's sentences come from reports published within this many days after it
LEAD_SENTENCES = 3  # the lead of a report published on a date (or the day after) is about it

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$")
_STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being it its "
    "this that these those he she they we you i his her their our your them him us me not no so than "
    "then there here has have had do does did will would can could should may might must said says say "
    "also which who whom whose what when where why how all any some more most other such into over "
    "after before about up down out off again further once just only own same too very s t".split()
)


def parse_day(value: str | None) -> date | None:
    """A TIMEX3 day value ("2010-04-20", "2010-04-20T10:00") as a date; None otherwise."""
    if not value:
        return None
    match = _DAY.match(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --- what the timeline is made from ---------------------------------------------------------------


@dataclass(frozen=True)
class SentenceRecord:
    article_id: str
    index: int
    text: str
    dates: tuple[date, ...] = ()  # day-precision DATE timexes in the sentence

    @property
    def key(self) -> tuple[str, int]:
        return (self.article_id, self.index)


@dataclass(frozen=True)
class EventRecord:
    event_id: str
    day: date | None  # the event's date when its precision is a day
    articles: int  # main + mentioning
    mentions: int
    key_sentences: tuple[tuple[str, int], ...]


@dataclass
class TaskData:
    """The parts of a built database that timeline making needs."""

    sentences: dict[tuple[str, int], SentenceRecord]
    events: list[EventRecord]
    published: dict[str, date]  # article id -> publication date

    def window(self, before: int = WINDOW_BEFORE) -> tuple[date, date] | None:
        if not self.published:
            return None
        return min(self.published.values()) - timedelta(days=before), max(self.published.values())


def load_task_data(corpus: BuiltCorpus) -> TaskData:
    conn = corpus.connect()
    try:
        published = {
            r["article_id"]: d
            for r in conn.execute("SELECT article_id, published FROM articles")
            if (d := parse_day(r["published"])) is not None
        }
        dates: dict[tuple[str, int], list[date]] = defaultdict(list)
        for r in conn.execute(
            "SELECT article_id, sentence_index, value FROM timexes WHERE type = 'DATE' ORDER BY article_id, start"
        ):
            day = parse_day(r["value"])
            if day is not None:
                dates[(r["article_id"], r["sentence_index"])].append(day)
        sentences = {
            (r["article_id"], r["sentence_index"]): SentenceRecord(
                r["article_id"], r["sentence_index"], r["text"],
                tuple(dict.fromkeys(dates.get((r["article_id"], r["sentence_index"]), []))),
            )
            for r in conn.execute("SELECT article_id, sentence_index, text FROM sentences")
        }
        mentions = Counter(
            r[0] for r in conn.execute("SELECT event_id FROM event_mentions WHERE event_id IS NOT NULL")
        )
        events = []
        for r in conn.execute("SELECT * FROM events ORDER BY event_id"):
            day = parse_day(r["date_value"]) if r["date_precision"] == "day" else None
            articles = set(json.loads(r["main_articles"])) | set(json.loads(r["mentioning_articles"]))
            events.append(EventRecord(
                r["event_id"], day, len(articles), mentions.get(r["event_id"], 0),
                tuple((a, int(i)) for a, i in json.loads(r["key_sentences"])),
            ))
    finally:
        conn.close()
    return TaskData(sentences, events, published)


# --- dates -----------------------------------------------------------------------------------------


def timex_date_scores(data: TaskData) -> Counter[date]:
    """Day -> number of articles with a sentence whose time expression resolves to it."""
    articles: dict[date, set[str]] = defaultdict(set)
    for s in data.sentences.values():
        for day in s.dates:
            articles[day].add(s.article_id)
    return Counter({day: len(ids) for day, ids in articles.items()})


def event_date_scores(data: TaskData) -> Counter[date]:
    """Day -> Σ over the events dated that day of (articles + MENTION_WEIGHT × mentions)."""
    scores: Counter[date] = Counter()
    for e in data.events:
        if e.day is not None:
            scores[e.day] += e.articles + MENTION_WEIGHT * e.mentions
    return scores


def date_scores(data: TaskData, strategy: str) -> Counter[date]:
    if strategy == "events":
        return event_date_scores(data)
    if strategy == "timexes":
        return timex_date_scores(data)
    if strategy == "combined":
        return event_date_scores(data) + timex_date_scores(data)
    raise ValueError(f"unknown strategy {strategy!r} (one of {', '.join(STRATEGIES)})")


def choose_dates(scores: Counter[date], n: int, window: tuple[date, date] | None = None) -> list[date]:
    """The ``n`` best-scoring days inside ``window`` (ties: earlier first), in calendar order."""
    candidates = [(-s, d) for d, s in scores.items() if s > 0 and (window is None or window[0] <= d <= window[1])]
    return sorted(d for _, d in sorted(candidates)[:n])


# --- sentences -------------------------------------------------------------------------------------


def content_tokens(text: str) -> list[str]:
    return [t for t in rouge_tokenize(text) if t not in _STOPWORDS and not t.isdigit()]


class TfIdf:
    """Sparse TF-IDF vectors with IDF over a fixed set of documents (sentences)."""

    def __init__(self, texts: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            n += 1
            df.update(set(content_tokens(text)))
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.default_idf = math.log(1 + n) + 1

    def vector(self, text: str) -> dict[str, float]:
        counts = Counter(content_tokens(text))
        vec = {t: c * self.idf.get(t, self.default_idf) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {t: v / norm for t, v in vec.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def central_sentences(
    texts: Sequence[str], k: int, tfidf: TfIdf, first: Sequence[str] = ()
) -> list[str]:
    """``k`` sentences: ``first`` (in order) then ``texts`` by cosine with their centroid, skipping
    near-repeats (cosine > MAX_REDUNDANCY with one already chosen) and too short or long ones."""
    def usable(text: str) -> bool:
        n = len(rouge_tokenize(text))
        return MIN_TOKENS <= n <= MAX_TOKENS

    chosen: list[str] = []
    vectors: list[dict[str, float]] = []

    def take(text: str, vec: dict[str, float]) -> None:
        if len(chosen) < k and text not in chosen and all(_cosine(vec, v) <= MAX_REDUNDANCY for v in vectors):
            chosen.append(text)
            vectors.append(vec)

    for text in first:
        if usable(text):
            take(text, tfidf.vector(text))
    pool = list(dict.fromkeys(t for t in texts if usable(t)))
    vecs = [tfidf.vector(t) for t in pool]
    centroid: Counter[str] = Counter()
    for v in vecs:
        centroid.update(v)
    ranked = sorted(range(len(pool)), key=lambda i: (-_cosine(vecs[i], centroid), i))
    for i in ranked:
        if len(chosen) >= k:
            break
        take(pool[i], vecs[i])
    return chosen


def make_timeline(
    data: TaskData, num_dates: int, per_date: int, strategy: str = "combined", window_before: int = WINDOW_BEFORE
) -> dict[date, list[str]]:
    """The predicted timeline: ``num_dates`` dates, up to ``per_date`` sentences each (see the
    module docstring for how dates and sentences are chosen)."""
    dates = choose_dates(date_scores(data, strategy), num_dates, data.window(window_before))
    tfidf = TfIdf(s.text for s in data.sentences.values())
    ordered = sorted(data.sentences.values(), key=lambda s: s.key)
    by_day: dict[date, list[SentenceRecord]] = defaultdict(list)
    leads_by_day: dict[date, list[SentenceRecord]] = defaultdict(list)
    for s in ordered:
        for day in s.dates:
            by_day[day].append(s)
        published = data.published.get(s.article_id)
        if published is not None and s.index < LEAD_SENTENCES:
            for day in (published, published - timedelta(days=1)):
                if not s.dates or s.dates == (day,):
                    leads_by_day[day].append(s)
    key_sentences: dict[date, list[SentenceRecord]] = defaultdict(list)
    if strategy != "timexes":
        for e in sorted(data.events, key=lambda e: (-e.articles, -e.mentions, e.event_id)):
            if e.day is not None:
                key_sentences[e.day] += [data.sentences[k] for k in e.key_sentences if k in data.sentences]
    timeline: dict[date, list[str]] = {}
    for day in dates:
        pool = by_day.get(day, [])
        recent = [s for s in pool if _days_after(data.published.get(s.article_id), day) in range(RECENT_DAYS + 1)]
        candidates = (recent if len(recent) >= per_date else pool) + leads_by_day.get(day, []) + key_sentences[day]
        timeline[day] = central_sentences([s.text for s in candidates], per_date, tfidf)
    return timeline


def _days_after(published: date | None, day: date) -> int:
    return (published - day).days if published is not None else -1


# --- evaluation ------------------------------------------------------------------------------------


def task_articles(task: T17Task) -> list[EvalArticle]:
    """The task's articles as storyline inputs (empty files included: storyline rejects them)."""
    return [
        EvalArticle(a.article_id, a.text() or " ", published=a.pub_date.isoformat(), source=task.source or None)
        for a in task.articles
    ]


def sentences_per_date(task: T17Task) -> int:
    return max(1, round(task.num_sentences / task.num_dates)) if task.num_dates else 1


@dataclass
class TaskResult:
    name: str
    articles: int
    states: Counter[str]
    events: int
    dated_events: int  # events with a day-precision date
    gold_dates: int
    per_date: int
    timeline: dict[date, list[str]] = field(repr=False)
    dates: PRF
    ar1: PRF
    ar2: PRF
    build_seconds: float
    seconds: float


@dataclass
class T17Report:
    strategy: str
    tasks: list[TaskResult]
    seconds: float

    def mean(self, attr: str) -> float:
        values = [getattr(t, attr).f1 for t in self.tasks]
        return sum(values) / len(values) if values else 0.0


def score_timeline(task: T17Task, timeline: dict[date, list[str]]) -> tuple[PRF, PRF, PRF]:
    """(Date F1, AR-1, AR-2) of a predicted timeline against the task's gold timeline."""
    gold = task.timeline
    return date_f1(gold, timeline), align_rouge(gold, timeline, 1), align_rouge(gold, timeline, 2)


def evaluate_built(
    task: T17Task, built: BuiltCorpus, strategy: str = "combined", data: TaskData | None = None
) -> TaskResult:
    started = time.perf_counter()
    data = data or load_task_data(built)
    per_date = sentences_per_date(task)
    timeline = make_timeline(data, task.num_dates, per_date, strategy)
    dates, ar1, ar2 = score_timeline(task, timeline)
    return TaskResult(
        name=task.name, articles=len(task.articles), states=built.counts, events=len(data.events),
        dated_events=sum(1 for e in data.events if e.day is not None), gold_dates=task.num_dates, per_date=per_date,
        timeline=timeline, dates=dates, ar1=ar1, ar2=ar2, build_seconds=built.seconds,
        seconds=built.seconds + time.perf_counter() - started,
    )


def select_tasks(tasks: list[T17Task], limit: int | None = None, only: Sequence[str] | None = None) -> list[T17Task]:
    if only:
        wanted = set(only)
        tasks = [t for t in tasks if t.name in wanted or t.name.split("/")[0] in wanted]
        if not tasks:
            raise ValueError(f"no such task: {', '.join(only)}")
    return tasks[:limit] if limit is not None else tasks


def evaluate_timeline17(
    directory: str | Path,
    tasks: int | None = None,
    strategy: str = "combined",
    only: Sequence[str] | None = None,
    on_task: Callable[[TaskResult], None] | None = None,
    all_strategies: bool = False,
    keep_in: str | Path | None = None,
) -> dict[str, T17Report]:
    """Score the first ``tasks`` tasks (all by default). Returns strategy -> report: ``strategy``
    alone, or every strategy (from the same builds) with ``all_strategies``.

    ``keep_in``: build each task folder's database in ``keep_in/<folder>`` and keep it; a later
    run with the same folder reuses it (storyline skips unchanged inputs)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r} (one of {', '.join(STRATEGIES)})")
    started = time.perf_counter()
    chosen = select_tasks(read_timeline17(directory), tasks, only)
    names = list(STRATEGIES) if all_strategies else [strategy]
    results: dict[str, list[TaskResult]] = {s: [] for s in names}
    by_folder: dict[Path, list[T17Task]] = defaultdict(list)
    for task in chosen:
        by_folder[task.timeline_path.parent.parent].append(task)
    for folder, folder_tasks in by_folder.items():
        keep = Path(keep_in) / folder.name if keep_in is not None else None
        with temporary_corpus(task_articles(folder_tasks[0]), keep_in=keep) as built:
            data = load_task_data(built)
            for task in folder_tasks:
                for name in names:
                    result = evaluate_built(task, built, name, data)
                    results[name].append(result)
                    if on_task and name == names[-1 if all_strategies else 0]:
                        on_task(result)
    seconds = time.perf_counter() - started
    return {name: T17Report(name, results[name], seconds) for name in names}


def format_task(r: TaskResult) -> str:
    return (
        f"{r.name:<42} articles {r.articles:>3} (ingested {r.states.get('ingested', 0):>3})  "
        f"events {r.events:>4} (day-dated {r.dated_events:>3})  dates {r.gold_dates:>3} x {r.per_date}  "
        f"Date F1 {r.dates.f1:.3f}  AR-1 {r.ar1.f1:.3f}  AR-2 {r.ar2.f1:.3f}  ({r.seconds:.0f}s)"
    )


def format_report(report: T17Report, per_task: bool = True) -> str:
    lines = [f"Timeline17 over {len(report.tasks)} tasks, dates by {report.strategy}"]
    if per_task:
        lines += [format_task(r) for r in report.tasks]
    lines.append(
        f"MEAN ({report.strategy}): Date F1 {report.mean('dates'):.3f}  AR-1 F1 {report.mean('ar1'):.3f}  "
        f"AR-2 F1 {report.mean('ar2'):.3f}   time {report.seconds:.0f}s"
    )
    return "\n".join(lines)


__all__ = [
    "STRATEGIES",
    "EventRecord",
    "SentenceRecord",
    "T17Report",
    "TaskData",
    "TaskResult",
    "central_sentences",
    "choose_dates",
    "date_scores",
    "evaluate_timeline17",
    "format_report",
    "load_task_data",
    "make_timeline",
    "score_timeline",
    "task_articles",
]
