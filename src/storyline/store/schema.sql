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

CREATE TABLE IF NOT EXISTS entity_mentions (
    article_id     TEXT NOT NULL REFERENCES articles(article_id) ON DELETE CASCADE,
    sentence_index INTEGER NOT NULL,
    start          INTEGER NOT NULL,
    end            INTEGER NOT NULL,
    text           TEXT NOT NULL,
    label          TEXT NOT NULL,
    entity_id      TEXT,
    stage          TEXT NOT NULL,
    stage_version  TEXT NOT NULL,
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
