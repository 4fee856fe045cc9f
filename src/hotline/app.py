"""The app factory: settings in, a FastAPI app out; tests pass their own settings and clock."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hotline import __version__
from hotline.analytics.routes import router as analytics_router
from hotline.assessment import pages as assessment_pages
from hotline.assessment.routes import router as assessment_router
from hotline.audit import pages as audit_pages
from hotline.audit.routes import router as audit_router
from hotline.auth import pages as auth_pages
from hotline.auth.routes import router as auth_router
from hotline.bootstrap import Clock, system_clock, wire
from hotline.config import Settings
from hotline.console import pages as console_pages
from hotline.db.engine import Database
from hotline.directory import pages as directory_pages
from hotline.directory.routes import admin as directory_admin_router
from hotline.directory.routes import router as directory_router
from hotline.followup import pages as followup_pages
from hotline.followup.routes import router as followup_router
from hotline.grid import pages as grid_pages
from hotline.grid.routes import router as grid_router
from hotline.intake import pages as intake_pages
from hotline.intake.routes import router as intake_router
from hotline.kb import pages as kb_pages
from hotline.kb.routes import router as kb_router
from hotline.notify import pages as notify_pages
from hotline.notify.routes import admin as webhooks_admin_router
from hotline.notify.routes import router as inbox_router
from hotline.open311 import pages as open311_pages
from hotline.open311.routes import admin_router as open311_admin_router
from hotline.open311.routes import router as open311_router
from hotline.portal import pages as portal_pages
from hotline.reports import pages as report_pages
from hotline.reports.routes import router as reports_router
from hotline.routing import pages as routing_pages
from hotline.routing import queue as routing_queue
from hotline.routing.routes import router as routing_router
from hotline.routing.runtime import warm_in_background
from hotline.sla import pages as sla_pages
from hotline.sla.routes import router as time_limits_router
from hotline.tickets import pages as ticket_pages
from hotline.tickets.routes import router as tickets_router
from hotline.tracking.routes import router as tracking_router
from hotline.web import docs, errors, limits, openapi, pages, security, shell, throttle
from hotline.worker import BackgroundWorker

STATIC = Path(__file__).parent / "web" / "static"


def create_app(
    settings: Settings | None = None,
    clock: Clock = system_clock,
    db: Database | None = None,
    run_worker: bool = False,
    freeze_after_start: bool = False,
) -> FastAPI:
    """``run_worker``: run the sweeper, webhook deliveries and routing of new tickets in this
    process (`hotline serve` on the embedded database; see `Settings.worker`).

    ``freeze_after_start`` (the server process, `hotline.asgi`): what start-up loaded (modules, the
    model: ~240k objects) lives as long as the process; left to the garbage collector, every full
    collection walked all of it, a 120-140 ms pause of the whole server every few seconds under
    load (the p99 of bench/intake.py). `gc.freeze()` once started takes it out of the collector's
    walks (again once a web process loaded its model in the background); garbage made afterwards is
    collected as before. Off by default: a test process making
    many apps would keep what each froze."""
    wiring = wire(settings, clock, db)
    settings = wiring.settings

    def freeze() -> None:
        gc.collect()
        gc.freeze()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The router needs the model before its first ticket; a web process that routes nothing
        # (several workers beside `hotline worker`) loads it after start-up, off the path to its
        # first answer (defect 6 of issue 16: workers killed by uvicorn's health check).
        wiring.start_routing(_app.state.routing, load_model=run_worker)  # kb duties (, model)
        if freeze_after_start:
            freeze()
            if not run_worker:
                warm_in_background(_app.state.routing, then=freeze)
        background = waker = None
        if run_worker:  # routing of new tickets is background work too
            _app.state.router = wiring.router(_app.state.routing)
            _app.state.router.start()
            background = BackgroundWorker(wiring.worker())
            background.start()
        elif wiring.db.can_listen:  # routers run in other processes: tell them of new tickets
            waker = _app.state.routing_waker = routing_queue.Waker(wiring.db)
            waker.start()
        yield
        if background is not None:
            background.close()
        if run_worker:
            _app.state.router.stop()
        if waker is not None:
            waker.stop()
        if db is None:  # we made it, we close it
            wiring.db.dispose()

    app = FastAPI(
        title="Hotline 12345 政务服务便民热线",
        version=__version__,
        description="受理、派单、办理、审核、回访、办结: intake, dispatch, handling, review, follow-up.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.wiring = wiring
    app.state.settings = settings
    app.state.db = wiring.db
    app.state.clock = clock
    app.state.default_language = settings.language
    app.state.routing = wiring.routing_runtime()
    app.state.throttle = throttle.Throttle()

    errors.install(app)
    # the portal's forms and a unit's reply carry photos: up to media_max_files of media_max_bytes
    photo_forms = max(settings.media_max_bytes * settings.media_max_files + 256_000, settings.max_body_bytes)
    app.add_middleware(
        limits.BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        # the grid worker's reply carries photos before and after: twice the portal's
        larger={
            "/portal/": max(photo_forms, settings.max_body_bytes),
            "/grid/": max(2 * photo_forms, settings.max_body_bytes),
            limits.REPLY_WITH_PHOTOS: max(photo_forms, settings.max_body_bytes),
        },
    )
    app.add_middleware(security.SecurityHeaders, content_security_policy=settings.content_security_policy)
    docs.install(app)
    pages.install(app)
    shell.install(app)
    auth_pages.install(app)
    ticket_pages.install(app)
    directory_pages.install(app)
    audit_pages.install(app)
    open311_pages.install(app)
    kb_pages.install(app)
    sla_pages.install(app)
    routing_pages.install(app)
    notify_pages.install(app)
    console_pages.install(app)
    followup_pages.install(app)
    intake_pages.install(app)
    portal_pages.install(app)
    assessment_pages.install(app)
    grid_pages.install(app)
    report_pages.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        auth_router,
        directory_router,
        intake_router,
        tickets_router,
        tracking_router,
        kb_router,
        routing_router,
    ):
        app.include_router(router)
    for router in (time_limits_router, inbox_router, webhooks_admin_router, directory_admin_router):
        app.include_router(router)
    app.include_router(audit_router)
    app.include_router(analytics_router)
    app.include_router(assessment_router)
    app.include_router(reports_router)
    app.include_router(followup_router)
    app.include_router(grid_router)
    app.include_router(open311_admin_router)
    app.include_router(open311_router)  # last: it ends with a catch-all for unknown /open311/v2 paths
    openapi.install(app)

    @app.get("/healthz", tags=["ops 运维"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
