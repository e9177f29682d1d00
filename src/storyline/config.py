"""Settings shared by the stages. Plain dataclasses so a build can be described and stored."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Limits:
    max_input_bytes: int = 20 * 1024 * 1024  # one file; larger ones are rejected with the reason
    max_article_chars: int = 200_000  # one article's text; longer ones are rejected
    min_article_words: int = 25  # fewer words after cleaning: "no article text"


@dataclass
class DedupSettings:
    num_perm: int = 128
    shingle_words: int = 3
    # LSH finds candidates; a candidate is a reprint when its real shingle Jaccard or its
    # containment in the other text passes these bounds.
    lsh_threshold: float = 0.5
    min_jaccard: float = 0.6
    min_containment: float = 0.85


@dataclass
class BuildSettings:
    limits: Limits = field(default_factory=Limits)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    outlet: str | None = None  # a name the user supplies for inputs without one
    batch_size: int = 64
    # Where per-article annotation (with the sentence vectors) and the reduce tasks of event
    # grouping run: "local" (in this process) or "dask" (a Dask cluster; `scheduler` is its
    # address, None starts a local 2-process cluster). See storyline.executors.
    executor: str = "local"
    scheduler: str | None = None
    # Processes that parse and annotate articles with the local executor: 1 runs them in this
    # process, N > 1 in N spawned worker processes (each loads the models; same results; a script
    # that starts such a build needs the `if __name__ == "__main__":` guard), 0 one per CPU core.
    workers: int = 1
