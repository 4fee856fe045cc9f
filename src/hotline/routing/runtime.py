"""Routing's state in a running app: the text classifier (loaded from the data directory only,
no network) and the cached directory view (`world`), plus the start-up work.

The knowledge base is held in memory too (`kb`), read again when it changes: the router searches
it for every ticket of a burst.

One `Runtime` per app (``app.state.routing``). The model file is checked at most every
``MODEL_CHECK_SECONDS`` and reloaded when a retrain replaced it, so a `hotline routing retrain`
run beside a serving platform is picked up without a restart.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from hotline.classifier import files
from hotline.db.engine import Database
from hotline.kb import queries as kb
from hotline.routing import world as world_mod
from hotline.routing.world import World

log = logging.getLogger("hotline.routing")

MODEL_CHECK_SECONDS: Final = 30.0


class Runtime:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._world: World | None = None
        self._kb: kb.Snapshot | None = None
        self._fingerprint: tuple[object, ...] | None = None
        self._model: Any = None
        self._model_mtime: float | None = None
        self._model_checked = 0.0
        self.model_error: str | None = None

    # -- the directory view -------------------------------------------------------------------
    def world(self, session: Session) -> World:
        current = world_mod.fingerprint(session)
        with self._lock:
            if self._world is None or current != self._fingerprint:
                self._world = world_mod.build(session)
                self._fingerprint = current
            return self._world

    def kb(self, session: Session) -> kb.Snapshot:
        """The knowledge base in memory, read again when it changed (one cheap query to know)."""
        current = kb.fingerprint(session)
        with self._lock:
            if self._kb is None or current != self._kb.fingerprint:
                self._kb = kb.Snapshot(session)
            return self._kb

    def forget_world(self) -> None:
        with self._lock:
            self._world = None

    # -- the classifier -----------------------------------------------------------------------
    def model(self) -> Any:
        """The trained classifier of the data directory, or None when there is none (or it is bad)."""
        now = time.monotonic()
        if now - self._model_checked < MODEL_CHECK_SECONDS and self._model_checked:
            return self._model
        with self._lock:
            self._model_checked = now
            path = files.model_path(self.data_dir)
            try:
                mtime = path.stat().st_mtime
            except OSError:
                self._model, self._model_mtime, self.model_error = None, None, None
                return None
            if mtime == self._model_mtime:
                return self._model
            try:
                from hotline.classifier import model as classifier  # scikit-learn: only with a model

                self._model = classifier.load(self.data_dir)
                self._model.warm()
                self.model_error = None
                log.info("routing model loaded from %s", path)
            except Exception as exc:  # a bad file must not stop routing: kb, rules and history remain
                self._model = None
                self.model_error = str(exc)
                log.warning("routing model not loaded: %s", exc)
            self._model_mtime = mtime
            return self._model

    def reload_model(self) -> Any:
        self._model_checked = 0.0
        self._model_mtime = None
        return self.model()


def start(db: Database, runtime: Runtime, now: datetime, demo: bool, load_model: bool = True) -> None:
    """Start-up work: the kb's duty lists in step with the directory, the demo city's answers
    (when the demo city is loaded and no answer was ever stored), and the model loaded unless
    ``load_model`` is false (a web process that routes nothing: it loads the model when first
    asked, see `warm_in_background`)."""
    from hotline.kb import service as kb

    try:
        with db.write() as session:
            kb.sync_duties(session, now)
            if demo and not kb.has_answers(session):
                answers = kb.demo_answers()
                units = {a.get("unit") for a in answers} - {None}
                if units <= set(runtime.world(session).unit_codes):  # only into the demo city
                    kb.load_answers(session, answers, now)
    except Exception:  # e.g. two instances starting at once: the other one did it
        log.exception("routing start-up: kb sync failed")
    if load_model:
        runtime.reload_model()


def settle(db: Database, runtime: Runtime) -> None:
    """Before a routing process's first ticket: load what it keeps for its whole life (the
    directory view, the kb; the model is loaded by `start`), then freeze the heap. Left to the
    garbage collector, every full collection walked the model's, the kb's and the modules' few
    hundred thousand objects: ~1.5 ms of a burst's ~11 ms of router CPU per ticket (bench/
    router_throughput.py, issue 16 defect 13). Garbage made afterwards is collected as before;
    the web server freezes its own heap the same way (`app.create_app`)."""
    with db.read() as session:
        runtime.world(session)
        runtime.kb(session)
    gc.collect()
    gc.freeze()


def warm_in_background(runtime: Runtime, then: Callable[[], None] | None = None) -> threading.Thread:
    """Load the model on a thread of its own once the process serves: a web worker answers its
    health check and requests at once instead of after seconds of scikit-learn imports (on a busy
    machine uvicorn killed workers that took longer than its health-check timeout, over and over);
    the first suggestion still finds the model ready. ``then`` runs after the load (the server
    process freezes the loaded heap, see `app.create_app`)."""

    def load() -> None:
        try:
            runtime.model()
        finally:
            if then is not None:
                then()

    thread = threading.Thread(target=load, name="hotline-model-warm", daemon=True)
    thread.start()
    return thread
