"""The embed stage (sentence vectors of event mentions, stored per mention as float16) and its
running on a thread of its own beside the parse (`executors.annotate_batch`)."""

from __future__ import annotations

import numpy as np

from storyline import executors, stages
from storyline.annotate import doccache
from storyline.annotate.nlp import load_nlp
from storyline.events import grouping
from tests.conftest import EXAMPLES


def _tasks(n: int) -> list[executors.AnnotateTask]:
    texts = [t for p in sorted((EXAMPLES / "corpus").glob("*.txt")) if (t := p.read_text(encoding="utf-8")).strip()][:n]
    assert texts
    return [(f"a{k}", text, "2020-09-21", None, "Outlet", "metadata") for k, text in enumerate(texts)]


def test_overlapped_embedding_gives_the_annotations_of_the_inline_path() -> None:
    tasks = _tasks(4)
    threaded = executors.annotate_batch(tasks)
    nlp = load_nlp()
    try:
        inline = [stages.annotate_doc(doc, aid, published, title, outlet, source)
                  for (aid, _t, published, title, outlet, source), doc
                  in zip(tasks, nlp.pipe((t[1] for t in tasks), batch_size=executors.NLP_BATCH_SIZE))]
    finally:
        doccache.clear()
    assert [a.article_id for a in threaded] == [t[0] for t in tasks]
    assert threaded == inline  # dataclass equality: every field, the vector bytes included
    assert any(v is not None for a in threaded for v in a.event_vectors)
    assert all(len(a.event_vectors) == len(a.event_mentions) for a in threaded)


def test_embedding_errors_reach_the_caller(monkeypatch) -> None:
    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("encoder failed")

    monkeypatch.setattr(grouping, "use_embed", broken)
    try:
        executors.annotate_batch(_tasks(1))
    except RuntimeError as exc:
        assert "encoder failed" in str(exc)
    else:
        raise AssertionError("the embedding error was swallowed")


def test_vectors_are_float16_and_read_back_as_used() -> None:
    """What grouping uses straight after embedding is exactly what a later build reads back."""
    rng = np.random.default_rng(0)

    def embed(texts: list[str]) -> np.ndarray:
        rows = rng.normal(size=(len(texts), 16)).astype(np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    from storyline.events.model import EventMention
    from storyline.records import AnnotatedArticle, Sentence

    text = "Police arrested two men. The men were charged on Monday."
    sentences = [Sentence("a", 0, 0, 24, text[:24]), Sentence("a", 1, 25, len(text), text[25:])]
    article = AnnotatedArticle("a", text, None, "Outlet", "2020-09-21", "metadata", sentences, [], [], [], True)
    ms = [EventMention(article_id="a", sentence_index=0, start=7, end=15, trigger="arrested", event_type="arrest"),
          EventMention(article_id="a", sentence_index=1, start=38, end=45, trigger="charged", event_type="charge"),
          EventMention(article_id="a", sentence_index=1, start=38, end=45, trigger="charged", event_type="charge",
                       negated=True)]
    vectors = grouping.embed_article_mentions(ms, article, embed)
    assert vectors[2] is None
    for v in vectors[:2]:
        assert v is not None and v.dtype == np.float32
        blob = grouping.vector_bytes(v)
        assert blob is not None and len(blob) == v.size * 2  # float16
        assert np.array_equal(grouping.vector_from_bytes(blob), v)
