"""Readers for the development benchmarks in ``shared/benchmarks/``.

They return plain dataclasses (no third-party types) so that evaluation code
and tests can use them without the store:

* :func:`read_ecbplus` → :class:`EcbCorpus` (ECB+, event coreference and
  document → event clustering), with :func:`ecb_document_text` to rebuild a
  document's text with character offsets for every token;
* :func:`read_timeline17` → list of :class:`T17Task` (timeline summarization),
  with :func:`detokenize_ptb` to undo the PTB tokenization of its text;
* :func:`read_clust_mcms` → list of :class:`ClustTopic` (article → event
  clustering).

The data are never copied into the repository; pass the folder (or file) under
``shared/benchmarks/``.
"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# ============================================================ detokenization

# PTB escapes of brackets and quotes, mapped back to the characters they stand for.
_PTB_ESCAPES = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "``": '"',
    "''": '"',
    "`": "'",
}
# Tokens glued to the previous token (no space before them).
_NO_SPACE_BEFORE = {
    ",", ".", ";", ":", "!", "?", "%", ")", "]", "}",
    "-RRB-", "-RSB-", "-RCB-", "''", "'", "”", "’", "»",
}
# Clitics split off by PTB tokenizers ("do n't", "BP 's"), compared lowercased.
_CLITICS = {"n't", "'s", "'re", "'ve", "'ll", "'d", "'m", "n’t", "’s", "’re", "’ve", "’ll", "’d", "’m"}
# Tokens glued to the next token (no space after them).
_NO_SPACE_AFTER = {"(", "[", "{", "-LRB-", "-LSB-", "-LCB-", "``", "`", "$", "#", "“", "‘", "«"}
# PTB splits "gonna" / "wanna" / "gotta" into two tokens.
_SPLIT_WORDS = {("gon", "na"), ("wan", "na"), ("got", "ta")}


def _join_tokens(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join tokens into natural text; return it with each token's (start, end) span.

    PTB escapes are turned back into characters; spacing follows simple rules
    (punctuation and clitics attach left, opening brackets/quotes attach
    right, a slash and the colon of a clock time attach to both sides).  A
    straight ``"`` token alternates opening / closing.  Blank tokens get an
    empty span at the current position.
    """
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    previous: str | None = None  # previous non-blank raw token
    open_straight_quote = False
    glue_next = False
    for k, raw in enumerate(tokens):
        token = raw.strip()
        if not token:
            spans.append((length, length))
            continue
        surface = _PTB_ESCAPES.get(token, token)
        glue = glue_next or previous is None
        glue_next = False
        if token == "/":
            # A slash binds both sides as it was written: "14/09/2013", "and/or", URLs.
            glue = glue_next = True
        elif (token == "-" and previous is not None and re.fullmatch(r"(?:1[5-9]|20)\d\d|\d\d", previous)
              and k + 1 < len(tokens) and re.fullmatch(r"\d\d", tokens[k + 1].strip())
              and (k + 2 >= len(tokens) or tokens[k + 2].strip() != ":")):
            # A hyphen between a year or two digits and two digits binds both sides as written:
            # an ISO date split by the tokenizer, "2013 - 09 - 26"; a score, "20 - 13"; not a
            # date and its clock time, "16/08/2011 - 13:42"
            glue = glue_next = True
        elif (token == ":" and previous is not None and re.fullmatch(r"[01]?\d|2[0-4]", previous)
              and k + 1 < len(tokens) and re.fullmatch(r"[0-5]\d", tokens[k + 1].strip())):
            glue = glue_next = True  # a clock time, "13:26" (not "1991: 520 dead")
        elif token in _NO_SPACE_BEFORE or token.lower() in _CLITICS:
            glue = True
        elif previous is not None and (previous.lower(), token.lower()) in _SPLIT_WORDS:
            glue = True
        if token == '"':
            # Straight quotes: alternate between opening and closing.
            if open_straight_quote:
                glue = True
            else:
                glue_next = True
            open_straight_quote = not open_straight_quote
        elif token in _NO_SPACE_AFTER:
            glue_next = True
        if not glue:
            pieces.append(" ")
            length += 1
        spans.append((length, length + len(surface)))
        pieces.append(surface)
        length += len(surface)
        previous = token
    return "".join(pieces), spans


def detokenize_ptb(line: str) -> str:
    """Turn one PTB-tokenized sentence back into normal text.

    ``-LRB-``/``-RRB-`` (and square/curly variants) become brackets,
    `````` and ``''`` become ``"``, `````` ` `````` becomes ``'``; punctuation, clitics
    (``n't``, ``'s``, ``'re`` ...) and closing brackets/quotes attach to the
    previous word, opening ones and ``$`` to the next.  Example:
    ``"BP does n't say `` when '' -LRB- yet -RRB- ."`` →
    ``'BP doesn\\'t say "when" (yet).'``.
    """
    return _join_tokens(line.split())[0]


# ===================================================================== ECB+

_EVENT_TAG_PREFIXES = ("ACTION_", "NEG_ACTION_")


@dataclass(frozen=True)
class EcbToken:
    t_id: int  # 1-based, unique within the document
    sentence: int  # sentence number as in the XML (0-based)
    number: int  # position within the sentence
    text: str


@dataclass(frozen=True)
class EcbMention:
    """A gold event mention (an ``ACTION_*`` / ``NEG_ACTION_*`` markable)."""

    doc_id: str
    m_id: str
    tag: str  # e.g. ACTION_OCCURRENCE
    token_ids: tuple[int, ...]
    sentence: int
    text: str  # tokens joined by single spaces
    chain_id: str  # gold coreference chain (see read_ecbplus for how it is made)
    scored: bool  # in a sentence listed in ECBplus_coreference_sentences.csv

    @property
    def key(self) -> str:
        """Corpus-wide unique mention id, ``"<doc_id>#<m_id>"``."""
        return f"{self.doc_id}#{self.m_id}"


@dataclass(frozen=True)
class EcbDocument:
    doc_id: str  # file name, e.g. "1_10ecb.xml"
    topic: str  # e.g. "1"
    subtopic: str  # gold event of the document, e.g. "1ecb"
    split: str  # "train" or "val" (from doc_topic_subtopic_split.tsv)
    tokens: tuple[EcbToken, ...]
    event_mentions: tuple[EcbMention, ...]
    scored_sentences: frozenset[int]

    def sentences(self) -> dict[int, list[EcbToken]]:
        """Tokens grouped by sentence number, in document order."""
        grouped: dict[int, list[EcbToken]] = defaultdict(list)
        for token in self.tokens:
            grouped[token.sentence].append(token)
        return dict(grouped)


@dataclass(frozen=True)
class EcbCorpus:
    documents: dict[str, EcbDocument]  # doc id -> document, topic order then file order

    @property
    def topics(self) -> dict[str, list[str]]:
        """Topic -> its document ids."""
        grouped: dict[str, list[str]] = defaultdict(list)
        for doc in self.documents.values():
            grouped[doc.topic].append(doc.doc_id)
        return dict(grouped)

    def document_gold(self, topic: str | None = None) -> dict[str, str]:
        """Gold document clustering: doc id -> subtopic (the real-world event)."""
        return {
            doc_id: doc.subtopic
            for doc_id, doc in self.documents.items()
            if topic is None or doc.topic == topic
        }

    def event_mentions(self, scored_only: bool = True, topic: str | None = None) -> list[EcbMention]:
        """Gold event mentions, by default only those in the scored sentences."""
        return [
            mention
            for doc in self.documents.values()
            if topic is None or doc.topic == topic
            for mention in doc.event_mentions
            if mention.scored or not scored_only
        ]

    def mention_gold(self, scored_only: bool = True, topic: str | None = None) -> dict[str, str]:
        """Gold event coreference: mention key -> chain id (input for the coref metrics)."""
        return {m.key: m.chain_id for m in self.event_mentions(scored_only, topic)}


def _topic_sort_key(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (1 << 30, name)


def _doc_sort_key(doc_id: str) -> tuple[int, int, str]:
    # "1_10ecbplus.xml" -> (topic 1, number 10, "ecbplus"): numeric, ecb before ecbplus.
    match = re.match(r"(\d+)_(\d+)(\D*)", doc_id)
    if not match:
        return (1 << 30, 0, doc_id)
    return (int(match.group(1)), int(match.group(2)), match.group(3))


def _read_scored_sentences(path: Path) -> dict[str, set[int]]:
    """``ECBplus_coreference_sentences.csv`` → doc id (file name) → sentence numbers."""
    scored: dict[str, set[int]] = defaultdict(set)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            doc_id = f"{row['Topic'].strip()}_{row['File'].strip()}.xml"
            scored[doc_id].add(int(row["Sentence Number"]))
    return dict(scored)


def _read_split_table(path: Path) -> dict[str, tuple[str, str, str]]:
    """``doc_topic_subtopic_split.tsv`` → doc id → (topic, subtopic, split)."""
    table: dict[str, tuple[str, str, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            table[row["doc"].strip()] = (row["topic"].strip(), row["subtopic"].strip(), row["split"].strip())
    return table


def _is_event_tag(tag: str) -> bool:
    return tag.startswith(_EVENT_TAG_PREFIXES)


def _parse_ecb_document(
    path: Path, topic: str, subtopic: str, split: str, scored_sentences: frozenset[int]
) -> EcbDocument:
    doc_id = path.name
    root = ET.parse(path).getroot()
    tokens = tuple(
        EcbToken(
            t_id=int(node.get("t_id", "0")),
            sentence=int(node.get("sentence", "0")),
            number=int(node.get("number", "0")),
            text=node.text or "",
        )
        for node in root.iter("token")
    )
    token_by_id = {t.t_id: t for t in tokens}

    # Markables are either mentions (anchored to tokens) or "instances" (the
    # unanchored chain heads that relations point to, with instance_id).
    mention_nodes: dict[str, ET.Element] = {}
    instance_nodes: dict[str, ET.Element] = {}
    markables = root.find("Markables")
    for node in markables if markables is not None else ():
        anchors = node.findall("token_anchor")
        (mention_nodes if anchors else instance_nodes)[node.get("m_id", "")] = node

    # source m_id -> candidate chain ids, tagged with whether the chain is an event chain.
    chains_of: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    relations = root.find("Relations")
    for relation in relations if relations is not None else ():
        target = relation.find("target")
        target_id = target.get("m_id", "") if target is not None else ""
        target_node = instance_nodes.get(target_id)
        if relation.tag == "CROSS_DOC_COREF":
            # The instance id is global: the same id links mentions across documents.
            chain = (target_node.get("instance_id") if target_node is not None else None) or relation.get(
                "note"
            ) or f"{doc_id}/r{relation.get('r_id')}"
        elif relation.tag == "INTRA_DOC_COREF":
            chain = f"INTRA:{doc_id}/r{relation.get('r_id')}"
        else:
            continue
        target_is_event = target_node is not None and _is_event_tag(target_node.tag)
        for source in relation.findall("source"):
            chains_of[source.get("m_id", "")].append((target_is_event, chain))

    mentions: list[EcbMention] = []
    for m_id, node in mention_nodes.items():
        if not _is_event_tag(node.tag):
            continue
        token_ids = tuple(int(a.get("t_id", "0")) for a in node.findall("token_anchor"))
        anchored = [token_by_id[t] for t in token_ids if t in token_by_id]
        if not anchored:
            continue
        candidates = chains_of.get(m_id, [])
        # A mention in several chains (a rare annotation slip) keeps its first
        # event chain; a mention in no chain is a singleton.
        event_chains = [chain for is_event, chain in candidates if is_event]
        if event_chains:
            chain_id = event_chains[0]
        elif candidates:
            chain_id = candidates[0][1]
        else:
            chain_id = f"SINGLETON:{doc_id}/{m_id}"
        sentence = anchored[0].sentence
        mentions.append(
            EcbMention(
                doc_id=doc_id,
                m_id=m_id,
                tag=node.tag,
                token_ids=token_ids,
                sentence=sentence,
                text=" ".join(t.text.strip() for t in anchored),
                chain_id=chain_id,
                scored=sentence in scored_sentences,
            )
        )
    mentions.sort(key=lambda m: (m.token_ids[0], m.m_id))
    return EcbDocument(
        doc_id=doc_id,
        topic=topic,
        subtopic=subtopic,
        split=split,
        tokens=tokens,
        event_mentions=tuple(mentions),
        scored_sentences=scored_sentences,
    )


def read_ecbplus(directory: str | Path) -> EcbCorpus:
    """Read ECB+ from ``directory`` (holding ``ECB+/``, the split TSV and the sentences CSV).

    * Documents: every ``ECB+/<topic>/<doc>.xml``; topic, subtopic (the gold
      event) and split come from ``doc_topic_subtopic_split.tsv`` (falling back
      to the folder name and ``<topic>ecb`` / ``<topic>ecbplus`` from the file
      name if a document is missing there).
    * Event mentions: markables tagged ``ACTION_*`` and also ``NEG_ACTION_*``
      (negated events; the usual ECB+ preprocessing, e.g. Barhom et al. 2019,
      Cattan et al. 2021, counts them as events).
    * Chains: a ``CROSS_DOC_COREF`` source gets the ``instance_id`` of the
      relation's target (shared across documents); an ``INTRA_DOC_COREF``
      source gets a chain local to its document; a mention in no relation is a
      singleton chain of its own.
    * ``scored``: the mention's sentence (of its first token) is listed in
      ``ECBplus_coreference_sentences.csv``; the standard evaluation uses only
      those mentions (:meth:`EcbCorpus.mention_gold` by default).
    """
    root = Path(directory)
    split_table = _read_split_table(root / "doc_topic_subtopic_split.tsv")
    scored = _read_scored_sentences(root / "ECBplus_coreference_sentences.csv")
    documents: dict[str, EcbDocument] = {}
    topic_dirs = sorted((p for p in (root / "ECB+").iterdir() if p.is_dir()), key=lambda p: _topic_sort_key(p.name))
    for topic_dir in topic_dirs:
        for path in sorted(topic_dir.glob("*.xml"), key=lambda p: _doc_sort_key(p.name)):
            kind = "ecbplus" if path.stem.endswith("ecbplus") else "ecb"
            topic, subtopic, split = split_table.get(path.name, (topic_dir.name, f"{topic_dir.name}{kind}", ""))
            documents[path.name] = _parse_ecb_document(
                path, topic, subtopic, split, frozenset(scored.get(path.name, ()))
            )
    return EcbCorpus(documents=documents)


@dataclass(frozen=True)
class DocumentText:
    """A document rebuilt as plain text, one sentence a line, with offsets back to its tokens."""

    text: str
    token_spans: dict[int, tuple[int, int]]  # token id -> [start, end) in text
    sentence_spans: dict[int, tuple[int, int]]  # sentence number -> [start, end) in text

    def tokens_in_span(self, start: int, end: int) -> list[int]:
        """Ids of the tokens overlapping the character span [start, end), in order."""
        return [
            t_id
            for t_id, (t_start, t_end) in self.token_spans.items()
            if t_start < end and start < t_end
        ]

    def sentence_at(self, offset: int) -> int | None:
        """Sentence number containing character ``offset``, if any."""
        for number, (s_start, s_end) in self.sentence_spans.items():
            if s_start <= offset < s_end:
                return number
        return None


def ecb_document_text(document: EcbDocument) -> DocumentText:
    """Rebuild an ECB+ document's text so a system can run on it.

    Each sentence goes on its own line (sentences in XML order, separated by
    ``"\\n"``); within a sentence tokens are joined with the spacing rules of
    :func:`detokenize_ptb` (so ``Reid , her`` reads ``Reid, her``; quote and
    bracket escapes become characters).  ``token_spans`` maps each token id to
    its character span, so predicted mention spans can be matched to gold
    token ids with :meth:`DocumentText.tokens_in_span`.
    """
    token_spans: dict[int, tuple[int, int]] = {}
    sentence_spans: dict[int, tuple[int, int]] = {}
    parts: list[str] = []
    offset = 0
    for number, sentence_tokens in document.sentences().items():
        if parts:
            parts.append("\n")
            offset += 1
        sentence_text, spans = _join_tokens([t.text for t in sentence_tokens])
        for token, (start, end) in zip(sentence_tokens, spans):
            token_spans[token.t_id] = (offset + start, offset + end)
        sentence_spans[number] = (offset, offset + len(sentence_text))
        parts.append(sentence_text)
        offset += len(sentence_text)
    return DocumentText(text="".join(parts), token_spans=token_spans, sentence_spans=sentence_spans)


# =============================================================== Timeline17

_DATE_LINE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_SEPARATOR_LINE = re.compile(r"^\s*-{5,}\s*$")


@dataclass(frozen=True)
class T17Article:
    """One input article; its text is read from disk on each call (nothing cached)."""

    article_id: str  # "<YYYY-MM-DD>/<file id>", unique within a task
    pub_date: date  # from the folder name
    path: Path

    def tokenized_sentences(self) -> list[str]:
        """The file's non-blank lines: PTB-tokenized sentences."""
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            return [line.strip() for line in handle if line.strip()]

    def sentences(self) -> list[str]:
        """Sentences as normal text (:func:`detokenize_ptb` of each line)."""
        return [detokenize_ptb(line) for line in self.tokenized_sentences()]

    def text(self) -> str:
        """The detokenized article, one sentence a line ("" for the empty files)."""
        return "\n".join(self.sentences())


@dataclass(frozen=True)
class T17Task:
    """One Timeline17 task: the articles of a ``<topic>_<source>`` folder and one gold timeline."""

    name: str  # "<folder>/<timeline file stem>", e.g. "bpoil_bbc/bbc"
    topic: str  # e.g. "bpoil"
    source: str  # e.g. "bbc"
    timeline_path: Path
    articles: tuple[T17Article, ...]  # sorted by publication date, then id
    # Gold timelines are small (a few KB), so they are read eagerly.
    timeline_tokenized: dict[date, list[str]] = field(repr=False)
    # Date lines of gold blocks left out because they are not valid dates.
    skipped_date_lines: tuple[str, ...] = ()

    @property
    def timeline(self) -> dict[date, list[str]]:
        """Gold timeline as normal text: date -> detokenized summary sentences."""
        return {day: [detokenize_ptb(s) for s in sents] for day, sents in self.timeline_tokenized.items()}

    @property
    def num_dates(self) -> int:
        return len(self.timeline_tokenized)

    @property
    def num_sentences(self) -> int:
        return sum(len(sents) for sents in self.timeline_tokenized.values())

    def articles_between(self, start: date, end: date) -> Iterator[T17Article]:
        """Articles published on [start, end]."""
        return (a for a in self.articles if start <= a.pub_date <= end)


def _parse_date(text: str) -> date | None:
    """``YYYY-MM-DD`` → date; None for anything else, including impossible days."""
    match = _DATE_LINE.match(text)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _parse_t17_timeline(path: Path) -> tuple[dict[date, list[str]], list[str]]:
    """Timeline blocks plus the header lines of the blocks that had to be skipped."""
    timeline: dict[date, list[str]] = {}
    skipped_headers: list[str] = []
    current: date | None = None
    expecting_date = True  # at the start and after each dashed separator
    skipping = False  # inside a block whose date line is malformed
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped:
                continue
            if _SEPARATOR_LINE.match(stripped):
                current, expecting_date, skipping = None, True, False
                continue
            day = _parse_date(stripped)
            if day is not None:
                # A bare date always opens a block, even if a separator is missing.
                current, expecting_date, skipping = day, False, False
                timeline.setdefault(day, [])  # a date with no sentence still counts
                continue
            if expecting_date:
                # The block's header is not a valid date (the release has "2011-04-0"):
                # its day is unknown, so the whole block is left out.
                skipped_headers.append(stripped)
                expecting_date, skipping = False, True
                continue
            if skipping:
                continue
            if current is None:
                raise ValueError(f"{path}: sentence outside a date block: {stripped[:60]!r}")
            timeline[current].append(stripped)
    return {day: timeline[day] for day in sorted(timeline)}, skipped_headers


def read_t17_timeline(path: str | Path) -> dict[date, list[str]]:
    """Parse a gold timeline file: a date line, its sentences, a dashed line, and so on.

    Sentences are kept as they are in the file (PTB-tokenized).  A date that
    occurs in several blocks (it happens) gets the sentences of all of them,
    in file order.  A block whose date line is not a valid ``YYYY-MM-DD`` date
    is left out (one in the release: ``2011-04-0`` in ``MJ_bbc``).  Dates are
    returned in chronological order.
    """
    return _parse_t17_timeline(Path(path))[0]


def read_timeline17(directory: str | Path) -> list[T17Task]:
    """Read every ``<topic>_<source>/timelines/*.txt`` under ``directory`` as one task.

    Articles come from ``<topic>_<source>/InputDocs/<YYYY-MM-DD>/*.txt``; only
    paths are kept (use :meth:`T17Article.sentences` to read one).  Empty input
    files are kept as articles with no sentences, as in the release.
    """
    root = Path(directory)
    tasks: list[T17Task] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "timelines").is_dir()):
        topic, _, source = folder.name.rpartition("_")
        if not topic:
            topic, source = folder.name, ""
        articles: list[T17Article] = []
        input_dir = folder / "InputDocs"
        if input_dir.is_dir():
            for day_dir in sorted(input_dir.iterdir()):
                pub_date = _parse_date(day_dir.name)
                if pub_date is None or not day_dir.is_dir():
                    continue
                for path in sorted(day_dir.glob("*.txt")):
                    file_id = path.name.split(".", 1)[0]  # "1036.htm.txt" -> "1036"
                    articles.append(T17Article(f"{day_dir.name}/{file_id}", pub_date, path))
        for timeline_path in sorted((folder / "timelines").glob("*.txt")):
            timeline, skipped = _parse_t17_timeline(timeline_path)
            tasks.append(
                T17Task(
                    name=f"{folder.name}/{timeline_path.stem}",
                    topic=topic,
                    source=source,
                    timeline_path=timeline_path,
                    articles=tuple(articles),
                    timeline_tokenized=timeline,
                    skipped_date_lines=tuple(skipped),
                )
            )
    return tasks


# =============================================================== Clust-McMs


@dataclass(frozen=True)
class ClustSentence:
    sid: int  # sentence id as in the file (numbered across the whole file, not per article)
    text: str
    event_annotation: str  # "main", "context", ... as annotated ("" or "unk" when missing)
    relevance: str  # annotator relevance score, a string as in the file (often "0"-"9", "unk", "")


@dataclass(frozen=True)
class ClustArticle:
    article_id: int  # the file's "ID"
    title: str
    sentences: tuple[ClustSentence, ...]
    # The file's event summary fields: event, trigger, who, where, when, outcome.
    event_fields: dict[str, str] = field(repr=False)

    @property
    def text(self) -> str:
        """Body text, one sentence a line (the title is not included)."""
        return "\n".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class ClustTopic:
    """A pool of articles to cluster into events, with the gold clustering."""

    name: str
    articles: tuple[ClustArticle, ...]  # in file order
    gold: dict[int, int]  # article id -> gold event cluster id

    @property
    def num_clusters(self) -> int:
        return len(set(self.gold.values()))


_CLUST_EVENT_FIELDS = ("event", "trigger", "who", "where", "when", "outcome")


def read_clust_mcms(file: str | Path) -> list[ClustTopic]:
    """Read ``mds_ac_dev_final.json`` (Clust-McMs).

    The file holds one pool: ``articles`` (each with ``ID``, ``title``,
    ``sentences`` [``SID``, ``content``, ``event_annotation``, ``relevance``]
    and event summary fields) and ``clusters``, the gold cluster id of each
    article in the same order.  It is returned as a single
    :class:`ClustTopic` (named after the file stem) so that a system clusters
    all articles together, as for an ECB+ topic.  Articles are in file order,
    which groups them by gold cluster: shuffle before feeding a system that is
    sensitive to order.
    """
    path = Path(file)
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    raw_articles = data["articles"]
    clusters = data["clusters"]
    if len(raw_articles) != len(clusters):
        raise ValueError(f"{path}: {len(raw_articles)} articles but {len(clusters)} cluster labels")
    articles: list[ClustArticle] = []
    gold: dict[int, int] = {}
    for raw, cluster_id in zip(raw_articles, clusters):
        article_id = int(raw["ID"])
        if article_id in gold:
            raise ValueError(f"{path}: duplicate article ID {article_id}")
        sentences = tuple(
            ClustSentence(
                sid=int(s["SID"]),
                text=str(s.get("content", "")),
                event_annotation=str(s.get("event_annotation", "")),
                relevance=str(s.get("relevance", "")),
            )
            for s in raw.get("sentences", [])
        )
        articles.append(
            ClustArticle(
                article_id=article_id,
                title=str(raw.get("title", "")),
                sentences=sentences,
                event_fields={k: str(raw.get(k, "")) for k in _CLUST_EVENT_FIELDS},
            )
        )
        gold[article_id] = int(cluster_id)
    return [ClustTopic(name=path.stem, articles=tuple(articles), gold=gold)]


__all__ = [
    "ClustArticle",
    "ClustSentence",
    "ClustTopic",
    "DocumentText",
    "EcbCorpus",
    "EcbDocument",
    "EcbMention",
    "EcbToken",
    "T17Article",
    "T17Task",
    "detokenize_ptb",
    "ecb_document_text",
    "read_clust_mcms",
    "read_ecbplus",
    "read_t17_timeline",
    "read_timeline17",
]
