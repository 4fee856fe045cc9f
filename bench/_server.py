"""The baseline for `bench/intake.py`: a bare FastAPI app that inserts one ticket-like row.

No auth, no event log, no idempotency, no projection, no read-back: a plain Pydantic model
validates the body, SQLAlchemy Core inserts ONE row into `bench_baseline_tickets` (the columns of
`hotline.tickets.models.TicketRow`, the same indexes, no foreign keys) and the row comes back as
JSON with 201. The handler is sync, like the platform's, so it runs in the same thread pool.

Served by uvicorn exactly like the platform (`uvicorn _server:app --app-dir bench`), configured
by `BENCH_BASELINE_URL`. On SQLite it uses the platform's pragmas (WAL, synchronous=NORMAL,
busy timeout) so that the comparison is about code, not about durability settings.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
)

TABLE = "bench_baseline_tickets"
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

metadata = MetaData()
tickets = Table(
    TABLE,
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tracking_code", String(16), unique=True),
    Column("channel", String(20)),
    Column("kind", String(20)),
    Column("urgency", String(20)),
    Column("status", String(20), index=True),
    Column("title", String(200)),
    Column("content", Text),
    Column("category_code", String(100), index=True),
    Column("citizen_name", String(100)),
    Column("citizen_phone", String(32)),
    Column("address", String(300)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("lead_unit_id", Integer, index=True),
    Column("supervised", Boolean),
    Column("complex", Boolean),
    Column("reopen_count", Integer),
    Column("answer", Text),
    Column("merged_into_id", Integer),
    Column("duplicate_ids", JSON),
    Column("handed_off_to", String(8)),
    Column("followup_contacted", Boolean),
    Column("followup_solved", Boolean),
    Column("satisfaction", String(20)),
    Column("close_reason", Text),
    Column("received_at", DateTime(timezone=True), index=True),
    Column("updated_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("created_by_user_id", Integer),
    Column("version", Integer),
)


class BaselineTicketIn(BaseModel):
    channel: str = Field(default="phone", max_length=20)
    kind: str = Field(max_length=20)
    urgency: str = Field(default="normal", max_length=20)
    title: str | None = Field(default=None, max_length=100)
    content: str = Field(min_length=1, max_length=4000)
    citizen_name: str | None = Field(default=None, max_length=50)
    citizen_phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)


def make_engine(url: str) -> Any:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)


def count_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(tickets)) or 0)
    finally:
        engine.dispose()


def create_app(url: str) -> FastAPI:
    engine = make_engine(url)
    metadata.create_all(engine)
    app = FastAPI(title="bench baseline")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/v1/tickets", status_code=201)
    def create(body: BaselineTicketIn) -> dict[str, Any]:
        now = datetime.now(UTC)
        values = {
            **body.model_dump(),
            "tracking_code": "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10)),
            "status": "received",
            "supervised": False,
            "complex": False,
            "reopen_count": 0,
            "duplicate_ids": [],
            "received_at": now,
            "updated_at": now,
            "version": 1,
        }
        with engine.begin() as conn:
            row = conn.execute(insert(tickets).values(**values).returning(*tickets.c)).one()
        return dict(row._mapping)

    return app


app = create_app(os.environ["BENCH_BASELINE_URL"]) if "BENCH_BASELINE_URL" in os.environ else None
