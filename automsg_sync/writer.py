"""Whole objects written context by context, each ``If-Match`` the revision in hand
(:class:`ContextWriter`, used by an apply and by a restore), and the live view the
writes are decided on (:func:`fetch_live`, :func:`read_live`).

A context's objects go in one array PUT to the collection while the server takes
arrays; a server that refuses the array (400, 404, 405, its revision unmoved) gets
one PUT per object, each with the revision the previous answer returned. After any
failed write the account is re-read with ``If-Match`` = the revision sent: moved →
somebody wrote meanwhile, so the caller re-decides the work left and the writer
retries, at most ``MAX_CONFLICT_RETRIES`` times; unmoved → the write changed
nothing, a clear error. Never a blind overwrite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from .diff import LiveView
from .errors import ApiError, ApiStatusError
from .lp.automessages import AutoMessagesApi, ContextListing, PreparedWrite
from .model import AutoMessage, Context

MAX_CONFLICT_RETRIES = 3
W = TypeVar("W", bound=Sized)  # a write's work item: its units
log = logging.getLogger("automsg_sync.apply")  # the name its lines have always been logged under


def fetch_live(api: AutoMessagesApi, if_match: str | None = None) -> LiveView | None:
    """The live view from one ``view=BY_CONTEXT`` read; None if ``if_match`` is
    still the revision (304: nothing moved)."""
    return view_of(api.list_by_context(if_match=if_match))


def view_of(listing: ContextListing) -> LiveView | None:
    """The live view a ``view=BY_CONTEXT`` listing holds; None for a 304 (nothing moved)."""
    if listing.not_modified:
        return None
    assert listing.contexts is not None
    return LiveView.from_listing(listing.contexts, listing.revision, listing.contexts_proven)


def read_live(api: AutoMessagesApi) -> LiveView:
    """The live view, read in full."""
    view = fetch_live(api)
    assert view is not None
    return view


ARRAY_REFUSED = (400, 404, 405)  # what a server that takes no array at the collection URL may answer


Written = Callable[[Context, list[tuple[str, W, AutoMessage]]], None]


@dataclass
class _Built(Generic[W]):
    """A context's objects, built from one live view and one set of work items, and
    the request that writes them all (None: none, or one per call was in force).

    The writer builds the next context's while the last write is in flight, and
    keeps the current one's across the calls of one-object-per-call writing; it is
    used only while :meth:`fits`: the same live view (a conflict's re-read replaces
    it) and, for every message still to write, the very work item it was built
    from (a re-plan makes new ones). Anything else is built again.
    """

    live: LiveView
    context: Context
    items: dict[str, W]
    objects: dict[str, AutoMessage]
    request: PreparedWrite | None

    def fits(self, live: LiveView, context: Context, work: dict[str, W]) -> bool:
        return (
            self.live is live
            and self.context == context
            and all(e in self.items and self.items[e] is item for e, item in work.items())
        )


class ContextWriter(Generic[W]):
    """Writes whole objects, context by context, each ``If-Match`` the revision in hand.

    ``pending`` maps each context to its work per message (messageEventId →
    work); ``object_of`` turns one message's work into the whole object to
    send, from a live view (None: nothing to send); ``replan`` decides the
    work left anew from a fresh view (it may only shrink it); ``written`` is
    told, once per successful write call, of the objects it carried
    (messageEventId, work, object), so that a caller records them in one go.

    A context's objects go in one array PUT while the server takes arrays
    (``api.arrays``), else one PUT per object. After any failed write the
    account is re-read with ``If-Match`` = the revision sent: moved → someone
    wrote meanwhile, so re-decide and retry (at most ``MAX_CONFLICT_RETRIES``
    times); unmoved and an array refused → one object per PUT from now on;
    unmoved otherwise → the error, said with "nothing was changed".

    The writes are sequential (each needs the revision the last one returned),
    so while one is in flight a thread builds the next context's objects and
    request body (the GIL is free while the socket waits): on a large account
    that hid most of the client's half of the writes' time. ``object_of`` must
    therefore only read (the live view and its work item). What is built ahead
    is sent only if it still :meth:`_Built.fits`; a build that failed is made
    again in turn, so its error surfaces where it would have.
    """

    def __init__(self, api: AutoMessagesApi) -> None:
        self.api = api
        self.conflict_retries = 0
        self.puts = 0
        # the work of a write that was sent and not answered when ``run`` raised (Ctrl-C,
        # the connection lost): LivePerson may or may not have applied it
        self.in_flight: list[W] = []

    @property
    def units_in_flight(self) -> int:
        """How many units :attr:`in_flight` holds (each work item is a message's units)."""
        return sum(len(item) for item in self.in_flight)

    def run(
        self,
        pending: dict[Context, dict[str, W]],
        live: LiveView,
        object_of: Callable[[LiveView, Context, str, W], AutoMessage | None],
        replan: Callable[[LiveView, dict[Context, dict[str, W]]], dict[Context, dict[str, W]]],
        written: Written[W],
    ) -> str:
        """Write everything; return the revision after the last write."""
        pool = ThreadPoolExecutor(1, thread_name_prefix="write-ahead")
        try:
            pending = {context: dict(work) for context, work in pending.items()}
            revision = live.revision
            current: _Built[W] | None = None
            ahead: dict[Context, Future[_Built[W]]] = {}
            while pending:
                context = min(pending)
                work = pending[context]
                if current is None or not current.fits(live, context, work):
                    current = _taken(ahead.pop(context, None))
                    if current is None or not current.fits(live, context, work):
                        current = self._build(live, context, work, object_of)
                objects = {e: obj for e, obj in current.objects.items() if e in work}
                if not objects:
                    del pending[context]
                    continue
                batch = objects if self.api.arrays else dict([next(iter(objects.items()))])
                request = self._request(current, context, batch)
                following = min((c for c in pending if c != context), default=None)
                # the work as it is now: the thread reads only this copy
                todo = dict(pending[following]) if following is not None else {}

                def build_next(
                    following: Context | None = following, todo: dict[str, W] = todo, view: LiveView = live
                ) -> None:
                    # called once this write has gone out (each attempt): the build then
                    # runs while the server works, not while this thread is still sending
                    if following is not None and following not in ahead and self.api.arrays:
                        ahead[following] = pool.submit(self._build, view, following, todo, object_of)

                try:
                    self.puts += 1
                    self.in_flight = [work[event_id] for event_id in batch]
                    revision = self.api.write(request, revision, sent=build_next)
                    self.in_flight = []
                except ApiStatusError as exc:
                    self.in_flight = []  # the server answered it: it changed nothing
                    fresh = self._after_refusal(exc, len(batch), revision)
                    if fresh is None:  # the same work again, one object per call
                        continue
                    live = fresh
                    revision = live.revision
                    pending = {c: dict(w) for c, w in replan(live, pending).items()}
                    ahead.clear()  # built from the old view: never sent
                    continue
                written(context, [(event_id, work.pop(event_id), obj) for event_id, obj in batch.items()])
                if not work:
                    del pending[context]
            return revision
        finally:  # Ctrl-C too: a build in progress is short, and waited for
            pool.shutdown(wait=True, cancel_futures=True)

    def _request(self, built: _Built[W], context: Context, batch: dict[str, AutoMessage]) -> PreparedWrite:
        """The request built with the objects when it carries this batch and no array is
        sent to a server that refused one; else one prepared now."""
        request = built.request if len(batch) == len(built.objects) else None
        if request is None or (request.count > 1 and not self.api.arrays):
            request = self.api.prepare(context, list(batch.values()))
        return request

    def _after_refusal(self, exc: ApiStatusError, sent: int, revision: str) -> LiveView | None:
        """After a refused write of ``sent`` objects: the fresh view to re-decide on when
        somebody wrote meanwhile; None when the server refused an array (one object per
        call from now on); else the error, said with "nothing was changed"."""
        fresh = fetch_live(self.api, if_match=revision)
        if fresh is None:  # the revision did not move: the write changed nothing
            if sent > 1 and exc.status in ARRAY_REFUSED:
                log.info("the server refused an array of objects (%s); writing one per call", exc.status)
                self.api.arrays = False
                return None
            proxy = exc.status == 405
            hint = "; a proxy that blocks PUT? set put_override = true" if proxy else ""
            raise ApiError(
                f"{exc} (the account's revision did not move: nothing was changed{hint})"
            ) from None
        self.conflict_retries += 1
        if self.conflict_retries > MAX_CONFLICT_RETRIES:
            raise ApiError(
                f"gave up after {MAX_CONFLICT_RETRIES} retries: the account kept changing "
                "between our read and our write (another writer is active); "
                "nothing was overwritten, re-run later"
            ) from None
        return fresh

    def _build(
        self,
        live: LiveView,
        context: Context,
        work: dict[str, W],
        object_of: Callable[[LiveView, Context, str, W], AutoMessage | None],
    ) -> _Built[W]:
        objects = {}
        for event_id, item in work.items():
            obj = object_of(live, context, event_id, item)
            if obj is not None:
                objects[event_id] = obj
        whole = bool(objects) and (self.api.arrays or len(objects) == 1)
        request = self.api.prepare(context, list(objects.values())) if whole else None
        return _Built(live, context, dict(work), objects, request)


def _taken(future: Future[_Built[W]] | None) -> _Built[W] | None:
    """What was built ahead, or None (not built, or its build failed: it is made again
    in turn, and raises there if it still fails)."""
    if future is None:
        return None
    try:
        return future.result()
    except Exception:
        return None
