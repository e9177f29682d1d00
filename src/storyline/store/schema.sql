-- storyline's SQLite schema. Plain tables: open the file with sqlite3 or datasette.
-- Offsets (start, end) are character offsets into articles.text (the cleaned text);
-- articles.offset_map maps them back to articles.raw_text.
-- Every derived row names the stage and stage_version that produced it.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per build command; the only table with wall-clock times.
CREATE TABLE IF NOT EXISTS runs (
    run_id            INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at        TEXT NOT NULL,
    finished_at       TEXT,
    storyline_version TEXT NOT NULL,
    inputs            TEXT NOT NULL,   -- JSON list of the paths given
    counts            TEXT             -- JSON: inputs seen, ingested, duplicate, rejected, skipped
);

-- Every input (a file, a feed entry, a JSONL line) ends here in exactly one state.
CREATE TABLE IF NOT EXISTS ledger (
    input_key      TEXT PRIMARY KEY,   -- source_path, plus '#entry:N' or '#line:N'
    source_path    TEXT NOT NULL,
    locator        TEXT NOT NULL,
    fmt            TEXT NOT NULL,      -- txt | html | feed | jsonl | unknown
    content_hash   TEXT NOT NULL,      -- sha256 of the input's bytes (file) or text (entry, line)
    state          TEXT NOT NULL CHECK (state IN ('ingested', 'duplicate', 'rejected')),
    reason         TEXT,               -- why rejected, in words
    article_id     TEXT,               -- ingested: its article; duplicate: the original article
    duplicate_kind TEXT CHECK (duplicate_kind IN ('exact', 'near') OR duplicate_kind IS NULL),
    similarity     REAL,               -- near duplicates: word-shingle Jaccard with the original
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_state ON ledger(state);
CREATE INDEX IF NOT EXISTS ledger_article ON ledger(article_id);

CREATE TABLE IF NOT EXISTS articles (
    article_id           TEXT PRIMARY KEY,  -- 'a' + sha256 of the cleaned text's words (16 hex)
    input_key            TEXT NOT NULL,
    fingerprint          TEXT NOT NULL UNIQUE,
    title                TEXT,
    outlet               TEXT,
    url                  TEXT,
    published            TEXT,              -- ISO date, or NULL
    published_source     TEXT NOT NULL,     -- metadata | dateline | inferred | unknown | user
    published_earliest   TEXT,              -- inferred dates: the range
    published_latest     TEXT,
    published_confidence REAL,
    year_known           INTEGER NOT NULL DEFAULT 1,
    language             TEXT NOT NULL,
    language_confidence  REAL NOT NULL,
    encoding             TEXT,
    fmt                  TEXT NOT NULL,
    raw_text             TEXT NOT NULL,     -- decoded text as read (HTML: the extracted text)
    text                 TEXT NOT NULL,     -- cleaned text
    offset_map           TEXT NOT NULL,     -- JSON [[clean_start, orig_start, length], ...]
    word_count           INTEGER NOT NULL,
    reprinted_by         TEXT NOT NULL DEFAULT '[]',  -- JSON list of outlets of its duplicates
    minhash              BLOB,
    stage                TEXT NOT NULL,
    stage_version        TEXT NOT NULL
);

-- What the cleaner dropped from each article, with the rule.
CREATE TABLE IF NOT EXISTS removed_spans (
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    orig_start INTEGER NOT NULL,
    orig_end   INTEGER NOT NULL,
    text       TEXT NOT NULL,
    rule       TEXT NOT NULL,
    PRIMARY KEY (article_id, orig_start, rule)
);

-- Annotation ------------------------------------------------------------------------------

-- Which annotation stage versions each article has been through (for incremental builds).
CREATE TABLE IF NOT EXISTS annotation_status (
    article_id    TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    stage         TEXT NOT NULL,
    stage_version TEXT NOT NULL,
    PRIMARY KEY (article_id, stage)
);

CREATE TABLE IF NOT EXISTS sentences (
    article_id     TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    sentence_index INTEGER NOT NULL,
    start          INTEGER NOT NULL,
    end            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL,
    PRIMARY KEY (article_id, sentence_index)
);

CREATE TABLE IF NOT EXISTS entities (
    entity_id TEXT PRIMARY KEY,
    label     TEXT NOT NULL,
    canonical TEXT NOT NULL,
    mentions  INTEGER NOT NULL,
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS entity_aliases (
    entity_id TEXT NOT NULL REFERENCES entities(entity_id) ON DELETE CASCADE,
    alias     TEXT NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (entity_id, alias)
);

-- The near-duplicate index (storyline.clean.dedup.StoredNearDuplicateIndex): one row per
-- article and LSH band, the band's bucket (a 64-bit hash of its slice of the MinHash).
CREATE TABLE IF NOT EXISTS dedup_bands (
    bucket     INTEGER NOT NULL,
    band       INTEGER NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    PRIMARY KEY (bucket, band, article_id)
);
CREATE INDEX IF NOT EXISTS dedup_bands_article ON dedup_bands(article_id);

-- Each indexed article's shingle hashes (sorted distinct 64-bit values, little-endian), which a
-- near-duplicate candidate is confirmed on: read back instead of made again from the text.
CREATE TABLE IF NOT EXISTS dedup_shingles (
    article_id TEXT PRIMARY KEY REFERENCES articles(article_id) ON DELETE CASCADE,
    hashes     BLOB NOT NULL
);

-- Each indexed article's shingle sketch (storyline.clean.dedup.shingle_sketch: how many of its
-- shingle hashes fall in each of 512 ranges, one byte each): an exact upper bound of the shingles
-- two texts share, so a near-duplicate candidate that cannot pass is ruled out without reading
-- its shingle hashes. A small row (~540 bytes), so that many fit in a page.
CREATE TABLE IF NOT EXISTS dedup_sketches (
    article_id TEXT PRIMARY KEY REFERENCES articles(article_id) ON DELETE CASCADE,
    counts     BLOB NOT NULL
);

-- An entity id that no longer exists (its entity merged into another, or its mentions left
-- with their articles) → the entity that holds most of its mentions now; old links keep working.
CREATE TABLE IF NOT EXISTS entity_redirects (
    old_id    TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS entity_mentions (
    article_id     TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    sentence_index INTEGER NOT NULL,
    start          INTEGER NOT NULL,
    end            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    label          TEXT NOT NULL,
    entity_id      TEXT,                -- the corpus-wide entity (entities.entity_id)
    local_entity_id TEXT,               -- the entity within this article alone
    alias_of       TEXT,                -- '@<start>': a description/nickname equated with the name at <start>
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL,
    article_label  TEXT,                -- the label the article's annotation gave: the corpus-wide vote's input
                                        -- (label is its result); NULL in rows of databases made before it
    PRIMARY KEY (article_id, start, end)
);
CREATE INDEX IF NOT EXISTS entity_mentions_entity ON entity_mentions(entity_id);

CREATE TABLE IF NOT EXISTS timexes (
    article_id     TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    sentence_index INTEGER NOT NULL,
    start          INTEGER NOT NULL,
    end            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    type           TEXT NOT NULL,
    value          TEXT,
    mod            TEXT,
    anchor         TEXT,
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL,
    PRIMARY KEY (article_id, start, end)
);

CREATE TABLE IF NOT EXISTS figures (
    article_id     TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    sentence_index INTEGER NOT NULL,
    start          INTEGER NOT NULL,
    end            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    value          REAL,
    value_max      REAL,
    unit           TEXT,
    timex          TEXT,
    qualifier      TEXT,
    modality       TEXT NOT NULL,
    speaker        TEXT,
    cue            TEXT,
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL,
    PRIMARY KEY (article_id, start, end)
);

-- Events ----------------------------------------------------------------------------------
-- JSON columns hold lists of ids. Event ids are stable across builds: see docs/architecture.md.

CREATE TABLE IF NOT EXISTS event_mentions (
    article_id      TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    sentence_index  INTEGER NOT NULL,
    start           INTEGER NOT NULL,   -- the trigger word
    end             INTEGER NOT NULL,
    trigger         TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    date_value      TEXT,               -- TIMEX3
    date_source     TEXT NOT NULL,      -- explicit | context | publication | none
    place_id        TEXT,               -- entities.entity_id: the preferred place
    place_ids       TEXT NOT NULL,      -- JSON list: every place the sentence ties to the trigger
    participant_ids TEXT NOT NULL,      -- JSON list of entities.entity_id
    local_place_id  TEXT,               -- the same three in article-local entity ids (re-mapped
    local_place_ids TEXT NOT NULL,      -- to corpus ids whenever entities are re-resolved)
    local_participant_ids TEXT NOT NULL,
    antecedent      TEXT,               -- mention key of an earlier mention this one refers back to
    status          TEXT NOT NULL,      -- happened | scheduled | expected | cancelled | unknown
    negated         INTEGER NOT NULL DEFAULT 0,
    event_id        TEXT,               -- events.event_id once grouped
    stage           TEXT NOT NULL,
    stage_version   TEXT NOT NULL,
    vector          BLOB,               -- sentence vector for grouping: 512 little-endian float16
                                        -- (1,024 bytes); NULL when negated or not yet embedded
    PRIMARY KEY (article_id, start, end)
);
CREATE INDEX IF NOT EXISTS event_mentions_event ON event_mentions(event_id);

CREATE TABLE IF NOT EXISTS events (
    event_id            TEXT PRIMARY KEY,
    event_type          TEXT NOT NULL,
    title               TEXT NOT NULL,
    date_value          TEXT,           -- TIMEX3: 2020-09-14, 2020-09, XXXX-09-21, or NULL
    date_precision      TEXT NOT NULL,  -- day | month | year | unknown-year | unknown
    date_confidence     REAL NOT NULL,
    date_hint           TEXT,           -- ISO date used only to order undated events
    place_id            TEXT,
    place_ids           TEXT NOT NULL,  -- JSON
    participant_ids     TEXT NOT NULL,  -- JSON
    status              TEXT NOT NULL,
    main_articles       TEXT NOT NULL,  -- JSON list of article ids
    mentioning_articles TEXT NOT NULL,  -- JSON list of article ids
    key_sentences       TEXT NOT NULL,  -- JSON list of [article_id, sentence_index]
    merged_from         TEXT NOT NULL,  -- JSON list: ids merged in, "split:<id>" for splits
    stage               TEXT NOT NULL,
    stage_version       TEXT NOT NULL
);

-- One row per (event, article): main = the article is about this event.
CREATE TABLE IF NOT EXISTS event_articles (
    event_id   TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('main', 'mentioning')),
    PRIMARY KEY (event_id, article_id)
);

CREATE TABLE IF NOT EXISTS facts (
    event_id       TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    attribute      TEXT NOT NULL,       -- loan_amount, meeting_duration, crowd_size, arrests, ...
    kind           TEXT NOT NULL,       -- money | duration | count | percent
    value          REAL,
    value_max      REAL,
    unit           TEXT,
    timex          TEXT,
    qualifier      TEXT,
    modality       TEXT NOT NULL,
    speaker        TEXT,
    cue            TEXT,
    article_id     TEXT NOT NULL,
    outlet         TEXT,
    sentence_index INTEGER NOT NULL,
    start          INTEGER NOT NULL,
    end            INTEGER NOT NULL,
    text           TEXT NOT NULL,       -- the figure as written
    quote          TEXT NOT NULL,       -- the sentence that states it
    link           TEXT NOT NULL,       -- how it was tied to the event
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL,
    PRIMARY KEY (event_id, article_id, start, end)
);

CREATE TABLE IF NOT EXISTS reconciliations (
    event_id      TEXT NOT NULL REFERENCES events(event_id) ON DELETE CASCADE,
    attribute     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('agree', 'conflict', 'single')),
    explanation   TEXT NOT NULL,
    sources       TEXT NOT NULL,        -- JSON list of article ids
    stage         TEXT NOT NULL,
    stage_version TEXT NOT NULL,
    PRIMARY KEY (event_id, attribute)
);

-- Stories: the events of one real-world story and the articles about it (events/stories.py).
CREATE TABLE IF NOT EXISTS stories (
    story_id      TEXT PRIMARY KEY,
    title         TEXT NOT NULL,        -- the title of the event most of its articles are about
    date_from     TEXT,                 -- ISO: the span of its events dated to the day or month
    date_to       TEXT,
    event_ids     TEXT NOT NULL,        -- JSON list of events.event_id
    article_ids   TEXT NOT NULL,        -- JSON list: the articles about it
    stage         TEXT NOT NULL,
    stage_version TEXT NOT NULL
);

-- One row per event: the story it belongs to.
CREATE TABLE IF NOT EXISTS story_events (
    event_id TEXT PRIMARY KEY REFERENCES events(event_id) ON DELETE CASCADE,
    story_id TEXT NOT NULL REFERENCES stories(story_id) ON DELETE CASCADE
);
