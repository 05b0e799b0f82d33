"""The writes of an apply, over real HTTP to the emulator: prepared write requests,
the "request sent" signal the writer builds its next request on, and the writer's
guarantees with a build ahead (never a stale body; Ctrl-C while a write is in flight)."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import polib
import pytest
from conftest import ACCOUNT, Emu, Sleeps, export_po, fill_po

from automsg_sync.config import Settings
from automsg_sync.diff import LiveView
from automsg_sync.errors import ApiError
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.imports import ImportOptions, import_translations
from automsg_sync.lp import Connection, connect
from automsg_sync.lp.automessages import AutoMessagesApi
from automsg_sync.model import AutoMessage, Context
from automsg_sync.state import StateStore
from automsg_sync.writer import ContextWriter, read_live

SKILL7 = Context.skill(7)


def entries(emu: Emu, context: str, event_id: str) -> dict[str, str]:
    """lang → msg of one stored object."""
    objects = emu.dump()["accounts"][ACCOUNT]["autoMessages"][context]
    found = next(o for o in objects if o["messageEventId"] == event_id)
    return {e["lang"]: e["msg"] for e in found["data"]}


def puts(emu: Emu) -> list[tuple[str, int | None]]:
    return [
        (r["query"].get("context_id", "account"), r["status"]) for r in emu.requests() if r["method"] == "PUT"
    ]


# ---------------------------------------------------------------- prepared writes


def test_a_prepared_write_sends_its_objects_and_returns_the_new_revision(emu: Emu, conn: Connection) -> None:
    api = AutoMessagesApi(conn, writable=True)
    live = read_live(api)
    objects = [m.with_texts({"fr-FR": f"(fr) {m.message_event_id}"}) for m in live.contexts[SKILL7].values()]
    request = api.prepare(SKILL7, objects)
    assert request.count == len(objects) > 1 and request.path == ""  # an array, to the collection
    assert api.write(request, live.revision) == str(int(live.revision) + 1)
    assert entries(emu, "skill/7", "YOU_ARE_CONNECTED_TO")["fr-FR"] == "(fr) YOU_ARE_CONNECTED_TO"
    assert [(r["method"], r["query"].get("context_id")) for r in emu.requests()][-1] == ("PUT", "7")


def test_a_prepared_write_is_checked_when_it_is_sent(emu: Emu, conn: Connection) -> None:
    """What holds when the request goes out decides, not what held when it was built."""
    api = AutoMessagesApi(conn, writable=True)
    live = read_live(api)
    objects = list(live.contexts[SKILL7].values())
    array, one = api.prepare(SKILL7, objects), api.prepare(SKILL7, objects[:1])
    assert one.count == 1 and one.path == "/CONSUMER_OPEN_NEW_CONVERSATION"
    emu.clear_requests()
    with pytest.raises(ApiError, match="refusing to write without a revision check"):
        api.write(array, "-1")
    api.arrays = False  # the server refused an array since: one object per call
    with pytest.raises(ValueError, match="one object per call"):
        api.write(array, live.revision)
    api.contexts_proven = False  # a read showed no contexts since
    with pytest.raises(ApiError, match="refusing to write skill/7"):
        api.write(one, live.revision)
    assert emu.requests() == []  # nothing was sent
    with pytest.raises(ValueError, match="at least one object"):
        api.prepare(SKILL7, [])


def test_sent_is_told_before_the_answer_is_awaited(emu: Emu, conn: Connection) -> None:
    """The emulator parks the write until released; only ``sent`` releases it. Told only
    after the answer, the write would wait for it until the client's timeout (5 s)."""
    api = AutoMessagesApi(conn, writable=True)
    live = read_live(api)
    request = api.prepare(SKILL7, list(live.contexts[SKILL7].values()))
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "hold": "w", "holdSeconds": 20}])
    told: list[list[tuple[str, int | None]]] = []

    def sent() -> None:
        # the body is in the socket: the server parks the request as soon as it reads it
        # (a condition waited for, with a deadline: the server reads in its own time)
        deadline = time.monotonic() + 5
        while emu.hook("GET", "faults")["counts"].get("hold") != 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        told.append(puts(emu))  # the request has arrived; no answer yet
        emu.hook("POST", "release/w")

    assert api.write(request, live.revision, sent=sent) == str(int(live.revision) + 1)
    assert told == [[("7", None)]]
    assert emu.hook("GET", "faults")["counts"] == {"hold": 1}


def test_sent_is_told_at_each_attempt_and_a_retry_sends_the_whole_body(emu: Emu, conn: Connection) -> None:
    api = AutoMessagesApi(conn, writable=True)
    live = read_live(api)
    objects = [m.with_texts({"de-DE": f"(de) {m.message_event_id}"}) for m in live.contexts[SKILL7].values()]
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "status": 503}])
    told: list[int] = []
    revision = api.write(api.prepare(SKILL7, objects), live.revision, sent=lambda: told.append(1))
    assert told == [1, 1] and puts(emu)[-2:] == [("7", 503), ("7", 200)]
    assert revision == str(int(live.revision) + 1)
    for m in objects:  # the retry carried every object, whole
        assert entries(emu, "skill/7", m.message_event_id) == {t.lang: t.msg for t in m.texts()} | {
            "de-DE": f"(de) {m.message_event_id}"
        }


# ---------------------------------------------------------------- the writer


def test_a_body_built_ahead_is_not_sent_after_a_conflict(emu: Emu, conn: Connection) -> None:
    """skill/7's objects are built while the account's write is in flight, from the view
    read before it. A human edits one of them meanwhile (another language), and the
    account's write meets a 409: skill/7 is then built again from the fresh view, so the
    edit survives our write."""
    api = AutoMessagesApi(conn, writable=True)
    live = read_live(api)
    edit = {
        "context": "skill/7",
        "messageEventId": "CONSUMER_OPEN_NEW_CONVERSATION",
        "lang": "de-DE",
        "msg": "Hallo!",
    }
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "uiEdit": edit}])
    pending: dict[Context, dict[str, str]] = {
        Context.account(): {"CONSUMER_OPEN_NEW_CONVERSATION": "(fr) account"},
        SKILL7: {"CONSUMER_OPEN_NEW_CONVERSATION": "(fr) skill 7"},
    }
    built: list[tuple[str, Context]] = []  # (the view's revision, context) of every object built

    def object_of(view: LiveView, context: Context, event_id: str, text: str) -> AutoMessage:
        built.append((view.revision, context))
        return view.contexts[context][event_id].with_texts({"fr-FR": text})

    def replan(view: LiveView, left: dict[Context, dict[str, str]]) -> dict[Context, dict[str, str]]:
        return left

    done: list[tuple[Context, list[str]]] = []
    writer: ContextWriter[str] = ContextWriter(api)
    writer.run(pending, live, object_of, replan, lambda c, objs: done.append((c, [e for e, _, _ in objs])))
    old, fresh = live.revision, str(int(live.revision) + 1)  # the edit made the second
    assert (old, SKILL7) in built  # built ahead from the view before the edit …
    assert built[-1] == (fresh, SKILL7)  # … and built again from the view re-read after the 409
    assert writer.conflict_retries == 1
    assert puts(emu) == [("account", 409), ("account", 200), ("7", 200)]
    after = entries(emu, "skill/7", "CONSUMER_OPEN_NEW_CONVERSATION")
    assert after["de-DE"] == "Hallo!" and after["fr-FR"] == "(fr) skill 7"
    assert done == [
        (Context.account(), ["CONSUMER_OPEN_NEW_CONVERSATION"]),
        (SKILL7, ["CONSUMER_OPEN_NEW_CONVERSATION"]),
    ]


def test_ctrl_c_while_a_write_is_in_flight(
    emu: Emu, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGINT while the second context's write is parked in the emulator: the apply stops at
    once with KeyboardInterrupt (the thread building ahead does not hold it up), the
    first context is journalled as written, the rest pending, and the run as interrupted;
    the message says that the parked write's units may have been written (the server
    has the request: released, it applies it)."""
    account = settings.account(ACCOUNT)
    state = StateStore(settings.state_dir)
    conn = connect(settings, account, sleep=Sleeps())
    export_for_translation(conn, account, ExportRequest(tmp_path / "out", ["po"], ["fr-FR"]), state)
    po_path = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    po = polib.pofile(str(po_path))
    for entry in po:
        entry.msgstr = entry.msgstr or f"(fr) {entry.msgid}"
    po.save(str(po_path))
    emu.faults(
        script=[{"match": "auto-messages", "method": "PUT", "skip": 1, "hold": "x", "holdSeconds": 20}]
    )
    main = threading.get_ident()

    def interrupt_once_parked() -> None:
        while not emu.hook("GET", "faults")["counts"].get("hold"):
            threading.Event().wait(0.01)  # polled: the emulator tells when it has parked the write
        signal.pthread_kill(main, signal.SIGINT)

    helper = threading.Thread(target=interrupt_once_parked)
    helper.start()
    options = ImportOptions(apply=True)
    with pytest.raises(KeyboardInterrupt):
        import_translations(conn, account, [po_path], options, state, settings.state_dir / "backups")
    helper.join()
    emu.hook("POST", "release/x")
    assert not [t for t in threading.enumerate() if t.name.startswith("write-ahead")]
    [(run_id, status)] = state.db.execute("SELECT run_id, status FROM runs").fetchall()
    assert status == "interrupted"
    assert {(c, s) for c, _, s in state.journal(run_id)} == {
        ("account", "written"),
        ("skill/7", "pending"),
        ("skill/9", "pending"),
    }
    [said] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("interrupted after")]
    skill7 = sum(  # the units of skill 7's write: its objects' languages, from the journal
        len(json.loads(languages))
        for (languages,) in state.db.execute(
            "SELECT languages FROM journal WHERE run_id = ? AND context = 'skill/7'", (run_id,)
        )
    )
    assert skill7 > 0
    assert f"of which {skill7} were being written when it stopped and may have been" in said, said


def test_ctrl_c_during_the_read_back_keeps_what_was_written_and_the_rerun_checks_it(
    emu: Emu, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue #24, point 5: SIGINT while the read-back is parked in the emulator. What was
    written is recorded (as pushed, with its export) all the same; the run says its
    read-back is pending; the re-run finishes it from its own read; and a corrected second
    delivery of the same export is an update, not a false conflict."""
    account = settings.account(ACCOUNT)
    export_po(settings, tmp_path / "out")
    po_path = fill_po(tmp_path / "out" / ACCOUNT / "fr-FR.po")
    state = StateStore(settings.state_dir)
    conn = connect(settings, account, sleep=Sleeps())
    # the import's own read (conditional, answered 304) is let through, the read-back parked (a "?": not
    # the get-by-id that learns a numeric id)
    emu.faults(
        script=[{"match": "auto-messages?", "method": "GET", "skip": 1, "hold": "rb", "holdSeconds": 1}]
    )
    main = threading.get_ident()

    def interrupt_once_parked() -> None:
        while not emu.hook("GET", "faults")["counts"].get("hold"):
            threading.Event().wait(0.01)  # polled: the emulator tells when it has parked the read
        signal.pthread_kill(main, signal.SIGINT)

    helper = threading.Thread(target=interrupt_once_parked)
    helper.start()
    with pytest.raises(KeyboardInterrupt):
        import_translations(
            conn, account, [po_path], ImportOptions(apply=True), state, settings.state_dir / "backups"
        )
    helper.join()
    emu.hook("DELETE", "faults")
    [(run_id, status)] = state.db.execute("SELECT run_id, status FROM runs").fetchall()
    assert status == "written, read-back pending"
    assert any(r.getMessage().startswith("interrupted during the read-back") for r in caplog.records)
    pushed = state.pushed_by_run(ACCOUNT, run_id)
    assert len(pushed) == 13 and all(text.startswith("(fr) ") for text in pushed.values())

    rerun = import_translations(
        conn, account, [po_path], ImportOptions(apply=True), state, settings.state_dir / "backups"
    )
    assert rerun.exit_code == 0 and rerun.counts()["planned"] == 0
    assert rerun.confirmed == [
        f"run {run_id} was interrupted before its read-back; its 13 texts are live as written: confirmed now"
    ]
    assert state.db.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone() == ("applied",)

    po = polib.pofile(str(po_path))  # the translator's corrected second delivery of the same export
    for entry in po:
        entry.msgstr += " (v2)"
    po.save(str(po_path))
    second = import_translations(
        conn, account, [po_path], ImportOptions(), state, settings.state_dir / "backups"
    )
    assert second.counts()["planned"] == len(po) and second.skipped() == []  # no conflict among them
    state.close()
