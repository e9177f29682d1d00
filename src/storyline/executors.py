"""Where the per-article annotation runs: in this process, in local worker processes
(`--workers N`), or on a Dask distributed cluster.

An executor takes batches of annotation tasks (one tuple per English article) and yields, for
each batch and in the same order, the list of `ArticleAnnotation`s. The driver (`stages.
annotate_articles`) keeps reading articles and writing results to the store itself, one
transaction per batch, so the stored result does not depend on where the parsing ran.

The corpus-wide event grouping runs its reduce tasks (one per bundle of key-connected
components, storyline.events.partition) through `run_tasks`: on the Dask workers for the Dask
executor, on the worker processes of `--workers N` when they were started for the annotation, in
this process otherwise. Entity resolution, the global step of grouping (ids, roles, order) and
facts run in the driver.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol

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


_EMBED_THREAD: ThreadPoolExecutor | None = None


def _embed_thread() -> ThreadPoolExecutor:
    """This process's one embed thread (started on first use, kept for the next batches)."""
    global _EMBED_THREAD
    if _EMBED_THREAD is None:
        _EMBED_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-embed")
    return _EMBED_THREAD


def annotate_batch(tasks: list[AnnotateTask]) -> list[ArticleAnnotation]:
    """Parse and annotate one batch; the spaCy model is loaded once per process (`load_nlp` is cached).

    The embed stage of each article (`stages.embed_annotation`: USE vectors of its mentions'
    sentences) runs on a second thread while this one parses and annotates the next articles:
    the encoder spends its time in numpy/BLAS calls that release the GIL, so on an otherwise idle
    second core it costs the batch little wall-clock time. It reads only the article's text and
    sentences, and its vectors depend only on the article, so the result is the same as in line.

    Module-level so a Dask worker can import it by name.
    """
    from storyline.annotate.nlp import load_nlp
    from storyline.stages import annotate_doc_rules, embed_annotation

    if not tasks:
        return []
    from storyline.annotate import doccache

    nlp = load_nlp()
    docs = nlp.pipe((t[1] for t in tasks), batch_size=NLP_BATCH_SIZE)
    out: list[ArticleAnnotation] = []
    embedded: list[Future] = []
    try:
        for (aid, _text, published, title, outlet, source), doc in zip(tasks, docs):
            ann, article = annotate_doc_rules(doc, aid, published, title, outlet, source)
            out.append(ann)
            embedded.append(_embed_thread().submit(embed_annotation, ann, article))
        for future in embedded:
            future.result()  # re-raises an embedding error here
        return out
    finally:
        for future in embedded:
            future.cancel()
        doccache.clear()  # let the last parsed documents go with the batch


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


def resolve_workers(workers: int) -> int:
    """`BuildSettings.workers` as a process count: 0 means one per CPU core this process may use."""
    if workers < 0:
        raise ExecutorError(f"--workers must be 0 (one per CPU core) or more, not {workers}")
    if workers == 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    return workers


# Worker processes get one BLAS thread each (unless the user chose a count): N workers already
# fill N cores, and OpenBLAS's default of one thread per core made each worker's sentence
# embeddings spin on cores the other workers need. Same vectors bit for bit (checked: USE over
# 3,000 sentences with 1 and 2 threads); spaCy's matrix products use blis, single-threaded.
_WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextmanager
def _worker_environment() -> Iterator[None]:
    """The environment spawned workers inherit, set only while they are being started."""
    saved = {name: os.environ.get(name) for name in _WORKER_ENV}
    for name, value in _WORKER_ENV.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _init_worker() -> None:
    """Pool worker start-up: load the spaCy pipeline and the sentence encoder once, before the
    first batch arrives (both are needed by every batch; loaded here, they load while the build
    process is still ingesting when the pool is started early, `LocalPoolExecutor.start`)."""
    from storyline.annotate import figures, timex
    from storyline.annotate.nlp import load_nlp
    from storyline.events import grouping

    load_nlp()
    try:
        grouping.use_embed(["Officials met on Monday."])  # the encoder loads its weights lazily
    except Exception:  # noqa: BLE001 - optional here: the first real embedding reports the error
        pass
    # The rules' lazily built recognizers-text models (~0.45 CPU-s a worker): built here, beside
    # the end of ingest when a core is idle, not in the first batch of the annotation, when every
    # core is busy. Same models either way.
    timex.preload()
    figures.preload()
    # A worker only annotates and reduces: it keeps the build's rare young collections for life.
    from storyline.stages import collect_young_rarely

    collect_young_rarely()


def _ready() -> bool:
    """A no-op task: submitted once per worker to make the pool start its processes now."""
    return True


class LocalPoolExecutor:
    """Per-article annotation on `workers` processes of this machine (`storyline build --workers N`).

    The processes are started with "spawn" (a fresh interpreter each: nothing inherited from the
    threads of this one) on the first batch, or earlier by `start` (the build starts them during
    ingest), and each loads the models once. Every batch is cut into chunks of `NLP_BATCH_SIZE`
    articles at the same boundaries at which the in-process `nlp.pipe` cuts its minibatches, so each
    worker parses exactly the minibatches the local executor would: the annotations, and the
    database written from them, are the same. The chunks are spread over the workers; results are
    put back together per batch and yielded in order, so the driver writes batch after batch as with
    the local executor. At most `window` batches (by default two, or one per worker) are in flight,
    which bounds what the driver holds. A build with a single batch runs it in this process, unless
    the pool is already started: starting processes and loading a model in each would cost more than
    it saves. Once started, the processes also run the corpus stages' tasks (`run_tasks`).
    """

    def __init__(self, workers: int, *, window: int | None = None) -> None:
        self.workers = max(1, workers)
        self.window = max(1, window if window is not None else max(2, self.workers))
        self._pool: Any = None  # concurrent.futures.ProcessPoolExecutor, started on demand

    def _executor(self) -> Any:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker)
        return self._pool

    def start(self) -> None:
        """Start the worker processes now (they load the models, `_init_worker`), e.g. while the
        build process ingests: the pool otherwise starts on the first batch and the model loading
        is then on the build's critical path. Returns at once; the annotation is the same."""
        pool = self._executor()
        with _worker_environment():
            # A process pool spawns its processes as tasks are submitted: one no-op per worker.
            for _ in range(self.workers):
                pool.submit(_ready)

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _submit(self, batch: list[AnnotateTask]) -> list[Any]:
        pool = self._executor()
        with _worker_environment():  # submit starts the worker processes as they are needed
            return [pool.submit(annotate_batch, batch[i : i + NLP_BATCH_SIZE])
                    for i in range(0, len(batch), NLP_BATCH_SIZE)]

    def annotate(self, batches: Iterable[list[AnnotateTask]]) -> Iterator[list[ArticleAnnotation]]:
        from concurrent.futures.process import BrokenProcessPool

        source = iter(batches)
        first = next(source, None)
        if first is None:
            return
        second = next(source, None)
        if second is None and self._pool is None:
            yield annotate_batch(first)
            return
        pending: deque[list[Any]] = deque()  # per batch in flight: its chunks' futures, in order
        stream = chain([first] if second is None else [first, second], source)
        try:
            exhausted = False
            while True:
                while not exhausted and len(pending) < self.window:
                    batch = next(stream, None)
                    if batch is None:
                        exhausted = True
                    else:
                        pending.append(self._submit(batch))
                if not pending:
                    return
                futures = pending.popleft()
                try:
                    yield [ann for future in futures for ann in future.result()]
                except BrokenProcessPool as exc:
                    raise ExecutorError(f"an annotation worker process died: {exc}") from exc
        finally:
            for futures in pending:
                for future in futures:
                    future.cancel()

    def run_tasks(self, fn: Callable[[Any], Any], tasks: Iterable[Any], *, ordered: bool = True) -> Iterator[Any]:
        """``fn`` over ``tasks`` (module-level, picklable: event grouping's reduce bundles) on the
        worker processes when they are running, else in this process; results in task order,
        each yielded as soon as it and those before it are done, or with ``ordered=False`` each as
        soon as it is done (completion order).

        The workers would otherwise sit idle through the corpus-wide stages while the build
        process runs them alone. At most ``workers + 1`` tasks are in flight (a task carries its
        input; one queued so that a worker that finishes starts the next at once). In task order
        a long task at the head blocks the driver on its result: nothing new is submitted, and
        the other workers finish what they hold and wait for it; in completion order a task is
        submitted as soon as any finishes, so no worker waits on the head. A pool that was never
        started (a build of one batch, or nothing to annotate) is not started for this:
        processes that load the models cost more than they save.
        """
        if self._pool is None:
            yield from map(fn, tasks)
            return
        from concurrent.futures.process import BrokenProcessPool

        pending: deque[Any] = deque()  # in submission order
        try:
            for task in tasks:
                if len(pending) > self.workers:
                    yield from self._take(pending, ordered)
                pending.append(self._pool.submit(fn, task))
            while pending:
                yield from self._take(pending, ordered)
        except BrokenProcessPool as exc:
            raise ExecutorError(f"a worker process died: {exc}") from exc
        finally:
            for future in pending:
                future.cancel()

    @staticmethod
    def _take(pending: deque[Any], ordered: bool) -> Iterator[Any]:
        """The results of the head (``ordered``) or of every task done once one is (in submission
        order among them), each removed from ``pending`` before it is yielded."""
        if ordered:
            yield pending.popleft().result()
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in [f for f in pending if f in done]:
            pending.remove(future)
            yield future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalPoolExecutor:
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

    def run_tasks(self, fn: Callable[[Any], Any], tasks: Iterable[Any], *, ordered: bool = True) -> Iterator[Any]:
        """``fn`` over ``tasks`` on the workers; results in task order, or with ``ordered=False``
        in the order they finish (a long task does not hold back the submission of the next),
        each yielded as it is taken back: the caller (the reduce's summary spill) stores it before
        the next, so the results are never all held at once.

        At most ``window`` tasks are submitted at a time, as for annotation batches: a task
        carries its input (e.g. a bundle's mentions and vectors), so this bounds what is in flight.
        """
        from distributed import wait as wait_for

        pending: deque = deque()

        def take() -> Iterator[Any]:
            if ordered:
                yield self._take(pending.popleft())
                return
            done = wait_for(list(pending), return_when="FIRST_COMPLETED").done
            for future in [f for f in pending if f in done]:
                pending.remove(future)
                yield self._take(future)

        try:
            for task in tasks:
                if len(pending) >= self.window:
                    yield from take()
                pending.append(self.client.submit(fn, task, pure=False))
            while pending:
                yield from take()
        finally:
            for future in pending:
                future.cancel()

    @staticmethod
    def _take(future: Any) -> Any:
        result = future.result()
        future.release()
        return result

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_tasks(executor: object | None, fn: Callable[[Any], Any], tasks: Iterable[Any], *,
              ordered: bool = True) -> Iterable[Any]:
    """Run a corpus stage's tasks where ``executor`` runs work: on Dask workers for a
    `DaskExecutor`, on the running worker processes of a `LocalPoolExecutor`, in this process
    otherwise (or for None). Results in task order, or with ``ordered=False`` in any order (as
    they finish: for a caller whose result does not depend on it, event grouping's reduce)."""
    if isinstance(executor, (DaskExecutor, LocalPoolExecutor)):
        return executor.run_tasks(fn, tasks, ordered=ordered)
    return [fn(task) for task in tasks]


def runs_in_local_processes(executor: object | None) -> bool:
    """Whether `run_tasks` sends tasks to processes of this machine (a started `LocalPoolExecutor`):
    they can then open the build's files themselves (a reduce task loads its own rows). Dask
    workers may run elsewhere; an executor in this process needs nothing sent."""
    return isinstance(executor, LocalPoolExecutor) and executor.started


def default_workers(executor: str) -> int:
    """`storyline build`'s --workers when it is not given: one process per core (0) with the
    local executor, 1 (none of its own) for a Dask cluster, which has its workers. The library's
    `BuildSettings.workers` stays 1: spawned workers need a script's `__main__` guard."""
    return 0 if executor == "local" else 1


def make_executor(name: str = "local", scheduler: str | None = None,
                  workers: int = 1) -> LocalExecutor | LocalPoolExecutor | DaskExecutor:
    """The executor `name` names; for "local", `workers` processes (1: this process, 0: one per core)."""
    if name == "local":
        if scheduler is not None:
            raise ExecutorError("--scheduler needs --executor dask")
        count = resolve_workers(workers)
        return LocalPoolExecutor(count) if count > 1 else LocalExecutor()
    if name == "dask":
        if workers != 1:
            raise ExecutorError("--workers is for the local executor; a Dask cluster has its own workers")
        return DaskExecutor(scheduler)
    raise ExecutorError(f"unknown executor {name!r} (expected one of: {', '.join(EXECUTORS)})")
