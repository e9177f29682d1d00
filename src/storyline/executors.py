"""Where the per-article annotation runs: in this process, or on a Dask distributed cluster.

An executor takes batches of annotation tasks (one tuple per English article) and yields, for
each batch and in the same order, the list of `ArticleAnnotation`s. The driver (`stages.
annotate_articles`) keeps reading articles and writing results to the store itself, one
transaction per batch, so the stored result does not depend on where the parsing ran.

Only the per-article stage runs here; the corpus-wide stages (entity resolution, event
grouping, facts) always run in the driver process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from storyline.stages import ArticleAnnotation

# (article_id, text, published, title, outlet, published_source); `published` is None when the
# date is to be inferred from the text.
AnnotateTask = tuple[str, str, "str | None", "str | None", "str | None", str]

EXECUTORS = ("local", "dask")
NLP_BATCH_SIZE = 16  # documents per `nlp.pipe` batch inside one executor batch


class ExecutorError(RuntimeError):
    """The executor cannot be used (e.g. Dask requested but not installed, scheduler unreachable)."""


def dask_available() -> bool:
    from importlib.util import find_spec

    return find_spec("distributed") is not None


def annotate_batch(tasks: list[AnnotateTask]) -> list[ArticleAnnotation]:
    """Parse and annotate one batch; the spaCy model is loaded once per process (`load_nlp` is cached).

    Module-level so a Dask worker can import it by name.
    """
    from storyline.annotate.nlp import load_nlp
    from storyline.stages import annotate_doc

    if not tasks:
        return []
    nlp = load_nlp()
    docs = nlp.pipe((t[1] for t in tasks), batch_size=NLP_BATCH_SIZE)
    return [annotate_doc(doc, aid, published, title, outlet, source)
            for (aid, _text, published, title, outlet, source), doc in zip(tasks, docs)]


class Executor(Protocol):
    def annotate(self, batches: Iterable[list[AnnotateTask]]) -> Iterator[list[ArticleAnnotation]]:
        """One list of annotations per input batch, in input order (task order within a batch)."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """In-process `nlp.pipe`, one batch at a time (the default)."""

    def annotate(self, batches: Iterable[list[AnnotateTask]]) -> Iterator[list[ArticleAnnotation]]:
        for batch in batches:
            yield annotate_batch(batch)

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DaskExecutor:
    """Batches run on Dask workers; results come back in submission order.

    `scheduler` None starts a private `LocalCluster` (2 worker processes, 1 thread each) that is
    closed with the executor; an address ("tcp://host:8786") connects to an existing scheduler,
    which is left running. At most `window` batches are in flight, so the driver never holds
    more than that many batches of texts and results.
    """

    def __init__(self, scheduler: str | None = None, *, window: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorError(
                "the dask executor needs the 'distributed' package: pip install 'storyline[dask]'") from exc
        self._cluster = None
        try:
            if scheduler is None:
                self._cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                             dashboard_address=None)
                self.client = Client(self._cluster)
            else:
                self.client = Client(scheduler, timeout="30s")
        except OSError as exc:  # includes TimeoutError: no scheduler at that address
            if self._cluster is not None:
                self._cluster.close()
            raise ExecutorError(f"cannot connect to the Dask scheduler {scheduler!r}: {exc}") from exc
        if window is None:
            threads = sum(self.client.nthreads().values()) or 1
            window = 2 * threads
        self.window = max(1, window)

    def annotate(self, batches: Iterable[list[AnnotateTask]]) -> Iterator[list[ArticleAnnotation]]:
        pending: deque = deque()
        source = iter(batches)
        try:
            exhausted = False
            while True:
                while not exhausted and len(pending) < self.window:
                    batch = next(source, None)
                    if batch is None:
                        exhausted = True
                    else:
                        pending.append(self.client.submit(annotate_batch, batch, pure=False) if batch else None)
                if not pending:
                    return
                future = pending.popleft()
                if future is None:
                    yield []
                else:
                    result = future.result()
                    future.release()
                    yield result
        finally:
            for future in pending:
                if future is not None:
                    future.cancel()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def make_executor(name: str = "local", scheduler: str | None = None) -> LocalExecutor | DaskExecutor:
    if name == "local":
        if scheduler is not None:
            raise ExecutorError("--scheduler needs --executor dask")
        return LocalExecutor()
    if name == "dask":
        return DaskExecutor(scheduler)
    raise ExecutorError(f"unknown executor {name!r} (expected one of: {', '.join(EXECUTORS)})")
