"""A past for the demo city: weeks of tickets written through the platform's own write path.

Every ticket is taken in by `intake.service.submit` and lives its life through
`tickets.service.execute` (and `merge`) with the workflow's own commands, at the instant each step
happens; the real sweeper (`sla.sweeper.sweep`) runs every `SWEEP_EVERY` of simulated time, so
warnings, overdues, urges and escalations are recorded as a running worker would. Nothing writes a
projection row by hand: the event logs replay to the stored state like any other ticket's.

Time moves on one clock for the whole city: each ticket's life is a generator that yields the
instant of its next step, and a scheduler runs the steps of all tickets in time order (so a burst
of calls about one power cut can be merged into the first while it is still open). Steps that would
fall after ``end`` are not taken: the newest tickets are still open, at every stage, as in a real
centre at any moment.

Shares (overdue, send-back, reopen, satisfaction …) are configuration (`Shares`) with defaults;
volumes follow a daily curve and the days of the week (`Plan`).
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from hotline.auth.service import CurrentUser
from hotline.db.engine import Database
from hotline.demo import texts
from hotline.directory import queries as directory
from hotline.domain import commands as c
from hotline.domain.errors import DomainError
from hotline.domain.ticket import Actor, Context, Recorded, Ticket, due_records, handle
from hotline.domain.vocabulary import (
    Channel,
    DeadlineOutcome,
    DeadlineStep,
    FollowUpMethod,
    Kind,
    Role,
    Satisfaction,
    TicketStatus,
    Urgency,
)
from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.sla import sweeper
from hotline.sla.service import DeadlineSource
from hotline.tickets import service as tickets
from hotline.tickets import store

SWEEP_EVERY: Final = timedelta(minutes=15)
LOCAL: Final = timedelta(hours=8)  # the daily curve is the centre's local time (UTC+8)
#: Tickets written per transaction by the bulk route.
BATCH: Final = 2000

#: Share of a day's tickets per hour (local time): quiet nights, a morning and an afternoon peak.
HOURLY: Final = (
    0.6, 0.4, 0.3, 0.3, 0.3, 0.5, 1.2, 2.6, 5.2, 7.6, 8.2, 7.4,
    5.6, 5.4, 7.0, 7.6, 7.2, 6.2, 4.6, 4.2, 4.0, 3.4, 2.2, 1.2,
)  # fmt: skip
#: Monday … Sunday.
WEEKDAY: Final = (1.1, 1.05, 1.0, 1.0, 0.95, 0.75, 0.7)

CHANNELS: Final = (
    (Channel.PHONE, 62),
    (Channel.WECHAT, 10),
    (Channel.APP, 8),
    (Channel.WEB, 6),
    (Channel.MESSAGE_BOARD, 4),
    (Channel.GRID, 4),
    (Channel.MAILBOX, 2),
    (Channel.EMAIL, 1),
    (Channel.OPEN311, 1),
    (Channel.VIDEO, 1),
    (Channel.UPSTREAM, 1),
)
#: Channels where a citizen types the request in; the others go through an operator (or a grid worker).
CITIZEN_CHANNELS: Final = frozenset(
    {Channel.WECHAT, Channel.APP, Channel.WEB, Channel.MESSAGE_BOARD, Channel.MAILBOX, Channel.EMAIL}
)
TITLED: Final = frozenset({Channel.WEB, Channel.MESSAGE_BOARD, Channel.MAILBOX, Channel.EMAIL})
SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾符云邢"


@dataclass(frozen=True)
class Shares:
    """How often things happen; each a probability per ticket (or per the case named)."""

    answered_at_intake: float = 0.55  # of consultations: answered by the operator from the kb
    withdrawn: float = 0.01
    category_at_intake: float = 0.4  # of operator intakes: the operator picks the category at once
    late_acknowledge: float = 0.08  # of assignments: acknowledged after the 30-minute limit
    send_back: float = 0.06  # of dispatched tickets: the first unit sends it back
    send_back_accepted: float = 0.6  # of send-backs: the unit was right (re-dispatched)
    delegated: float = 0.8  # of territorial tickets dispatched to a district: passed to the street
    extension: float = 0.04  # of dispatched tickets: the unit asks for more time
    extension_approved: float = 0.75
    overdue: float = 0.05  # of replies: after the reply deadline
    reply_rejected: float = 0.05  # of replies: the centre's review sends it back to the unit
    supervised: float = 0.02  # of dispatched tickets: put under supervision
    satisfied: float = 0.78  # of follow-ups
    fairly_satisfied: float = 0.12  # of follow-ups (unsatisfied: the rest)
    reopen: float = 0.6  # of unsatisfied follow-ups: reopened (else closed with a reason)
    follow_up: float = 0.9  # of answered-at-intake consultations: followed up too
    # of tickets from citizens' channels (no operator on the line): dispatched at once by routing
    # (秒派, the system actor), so the live 秒派 accuracy (routing/accuracy.py) has a past to read.
    # Drawn from a stream of its own, so the rest of the history is the same with or without it.
    auto_dispatched: float = 0.5


@dataclass(frozen=True)
class Plan:
    days: float = 30
    per_day: float = 45  # a small city; Haikou takes in about 5,200 a day
    seed: int = 12345
    bursts: int = 3
    shares: Shares = field(default_factory=Shares)


SCALES: Final = {
    "small": Plan(),
    "haikou-year": Plan(days=365, per_day=5200, bursts=60),
}


@dataclass
class Report:
    tickets: int = 0
    commands: int = 0
    refused: int = 0
    merged: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    still_received: list[int] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Spot:
    """A place tickets come from: a community, village or street, with its street and district."""

    name: str
    lat: float
    lon: float
    street: int
    district: int
    district_code: str
    lowest: int


@dataclass(frozen=True)
class Spec:
    at: datetime
    category: str
    template: str
    spot: Spot
    channel: Channel
    burst: int | None = None  # index of the burst it belongs to
    first_of_burst: bool = False


class _Stop(Exception):
    """The next step falls after the end of the history: the ticket stays as it is."""


@dataclass(frozen=True)
class _Unit:
    id: int
    code: str
    name: str
    public_name: str | None
    kind: str
    parent_id: int | None
    path: str
    area: Any
    active: bool


@dataclass(frozen=True)
class _Category:
    code: str
    name: str
    default_unit_id: int | None
    territorial: bool


class City:
    """The directory as the generator needs it, read once through the directory's queries."""

    def __init__(self, db: Database) -> None:
        with db.read() as s:
            units = [
                _Unit(u.id, u.code, u.name, u.public_name, u.kind, u.parent_id, u.path, u.area, u.active)
                for u in directory.units(s)
            ]
            cats = [
                _Category(x.code, x.name, x.default_unit_id, x.territorial)
                for x in directory.categories(s)
                if x.level == 2 and x.active
            ]
            users = [(u.id, u.username, u.display_name, u.role, u.unit_id) for u in directory.users(s)]
        self.units = {u.id: u for u in units}
        by_code = {u.code: u for u in units}
        self.centre = next(u.id for u in units if u.kind == "centre")
        self.categories = {x.code: x for x in cats if x.code in texts.TEMPLATES}
        if not self.categories:
            raise ValueError("演示历史需要演示城市的分类 (the demo history needs the demo city's categories)")
        self.users: dict[tuple[str, int], list[CurrentUser]] = {}
        for uid, username, display_name, role, unit_id in users:
            unit = self.units[unit_id]
            current = CurrentUser(uid, username, display_name, Role(role), unit.id, unit.path, unit.name)
            self.users.setdefault((role, unit_id), []).append(current)
        self.spots: list[Spot] = []
        for u in units:
            if u.kind not in ("community", "village", "street", "town") or not u.area or not u.active:
                continue
            if u.kind in ("street", "town") and any(
                x.parent_id == u.id and x.kind in ("community", "village") for x in units
            ):
                continue  # its communities stand for it
            lat, lon = _centre(u.area)
            street = u if u.kind in ("street", "town") else self.units[u.parent_id or 0]
            district = self.units[street.parent_id or 0]
            name = u.public_name or u.name
            self.spots.append(Spot(name, lat, lon, street.id, district.id, district.code, u.id))
        self.grid_workers = [
            x for (role, _), xs in self.users.items() if role == Role.GRID_WORKER for x in xs
        ]
        self.departments = [u.id for u in units if u.kind in ("department", "enterprise") and u.active]
        self.by_code = by_code

    def person(self, role: Role, unit: int | None = None) -> CurrentUser | None:
        found = self.users.get((role.value, self.centre if unit is None else unit))
        return found[0] if found else None

    def actor(self, role: Role, unit: int | None = None) -> Actor:
        who = self.person(role, unit)
        return Actor(
            role=role, user_id=who.id if who else None, unit_id=self.centre if unit is None else unit
        )

    def reviewer_of(self, delegating_unit: int) -> Actor:
        """Who reviews what ``delegating_unit`` passed down, by the platform's rule: a reviewer of
        the nearest unit at or above it that has one, else a dispatcher of the centre."""
        unit: int | None = delegating_unit
        while unit is not None and unit != self.centre:
            if self.person(Role.UNIT_REVIEWER, unit) is not None:
                return self.actor(Role.UNIT_REVIEWER, unit)
            unit = self.units[unit].parent_id
        return self.actor(Role.DISPATCHER)

    def descendant_of(self, unit: int, ancestor: int) -> bool:
        u, a = self.units.get(unit), self.units.get(ancestor)
        return u is not None and a is not None and u.id != a.id and u.path.startswith(a.path)


def _centre(area: Any) -> tuple[float, float]:
    if isinstance(area[0], (int, float)):
        return float(area[0]), float(area[1])
    points = area[0] if isinstance(area[0][0], list) else area
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...] | list[tuple[Any, float]]) -> Any:
    return rng.choices([x for x, _ in weighted], [w for _, w in weighted])[0]


def _minutes(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(minutes=rng.uniform(lo, hi))


class Generator:
    """Writes a plan's history ending at ``end`` into ``db`` (which holds the demo city)."""

    def __init__(
        self, db: Database, plan: Plan, end: datetime, deadlines: DeadlineSource, bulk: bool = False
    ) -> None:
        self.db, self.plan, self.end, self.bulk = db, plan, end, bulk
        self.deadlines = deadlines
        self.shares = plan.shares
        self.rng = random.Random(plan.seed)
        self.auto_rng = random.Random(plan.seed + 1)  # who dispatched: leaves the rest unchanged
        self.city = City(db)
        self._codes = list(self.city.categories)
        self._weights = [float(texts.TEMPLATES[code][0]) for code in self._codes]
        self.report = Report()
        self.burst_heads: dict[int, int] = {}  # burst index → ticket id of its first call
        self.status: dict[int, TicketStatus] = {}  # each ticket's status as its last step left it
        if bulk:  # what `tickets.service.execute` looks up per command, looked up once
            with db.read() as s:
                self._deadlines = deadlines(s)
                self._paths = directory.unit_paths(s, list(self.city.units))
                self._reviewers = directory.reviewers(s, list(self.city.units))
            self._superiors = {u.id: u.parent_id for u in self.city.units.values() if u.parent_id is not None}
            self._mem: dict[int, tuple[Ticket, list[Recorded], int | None]] = {}
            self._ready: list[tuple[Ticket, list[Recorded], int | None]] = []

    # -- what comes in, and when ----------------------------------------------------------------
    def days(self) -> list[datetime]:
        """The starts of the history's days (local midnight, the centre's zone UTC+8)."""
        start = self.end - timedelta(days=self.plan.days)
        day = (start + LOCAL).replace(hour=0, minute=0, second=0, microsecond=0) - LOCAL
        out = []
        while day < self.end:
            out.append(day)
            day += timedelta(days=1)
        return out

    def day_specs(self, day: datetime) -> list[Spec]:
        """What comes in on one day: the daily curve, the day of the week, and any burst."""
        rng, plan = self.rng, self.plan
        start = self.end - timedelta(days=plan.days)
        weekday = (day + LOCAL).weekday()
        n = max(0, round(rng.gauss(plan.per_day * WEEKDAY[weekday], plan.per_day * 0.08)))
        out: list[Spec] = []
        for hour in rng.choices(range(24), HOURLY, k=n):
            at = day + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            if not start <= at < self.end:
                continue
            code = rng.choices(self._codes, self._weights)[0]
            out.append(
                Spec(
                    at,
                    code,
                    rng.choice(texts.TEMPLATES[code][1]),
                    rng.choice(self.city.spots),
                    _pick(rng, CHANNELS),
                )
            )
        out += [b for b in self._burst_specs if day <= b.at < day + timedelta(days=1)]
        out.sort(key=lambda x: x.at)
        return out

    def _bursts(self, start: datetime) -> list[Spec]:
        """A few problems in one place that many call about within an hour or two; they end well
        before the history does, so they are settled (and no open call among them is still news)."""
        rng, out = self.rng, []
        span = (self.end - start) - timedelta(days=5)
        if span <= timedelta(0):
            return out
        for i in range(self.plan.bursts):
            code, phrases = texts.BURSTS[i % len(texts.BURSTS)]
            if code not in self.city.categories:
                continue
            spot = rng.choice(self.city.spots)
            road = rng.choice(texts.ROADS.get(spot.district_code, ("中心路",)))
            at = start + timedelta(seconds=rng.uniform(0, span.total_seconds()))
            for k in range(rng.randint(5, 10)):
                phrase = rng.choice(phrases).replace("{road}", road)
                out.append(
                    Spec(
                        at + _minutes(rng, 0, 100) if k else at,
                        code,
                        "h|" + phrase,
                        spot,
                        Channel.PHONE if rng.random() < 0.8 else Channel.WECHAT,
                        burst=i,
                        first_of_burst=k == 0,
                    )
                )
        return out

    # -- the clock ------------------------------------------------------------------------------
    def run(self) -> Report:
        import time

        started = time.perf_counter()
        days = self.days()
        self._burst_specs = self._bursts(days[0] if days else self.end)
        self._queue: list[tuple[datetime, int, Iterator[datetime]]] = []
        self._seq = 0
        if days:
            self._push(days[0], self._feeder(days))
        next_sweep = (days[0] if days else self.end) + SWEEP_EVERY
        while self._queue:
            at, _, life = heapq.heappop(self._queue)
            while not self.bulk and next_sweep <= at:
                sweeper.sweep(self.db, next_sweep)
                next_sweep += SWEEP_EVERY
            try:
                upcoming = next(life)
            except (StopIteration, _Stop):
                continue
            except DomainError as exc:  # a step the rules refused: the ticket stays where it is
                self.report.refused += 1
                self.report.refusals.append(exc.code)
                continue
            if upcoming >= self.end:
                life.close()  # the rest of its life is in the future
                continue
            self._push(max(upcoming, at), life)
        if not self.bulk:
            sweeper.sweep(self.db, self.end)
        self._flush()
        self.report.seconds = round(time.perf_counter() - started, 1)
        return self.report

    def _push(self, at: datetime, life: Iterator[datetime]) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (at, self._seq, life))

    def _feeder(self, days: list[datetime]) -> Iterator[datetime]:
        """At each day's start, that day's tickets begin their lives."""
        for day in days:
            yield day
            for spec in self.day_specs(day):
                self._push(spec.at, self._life(spec))

    # -- steps ----------------------------------------------------------------------------------
    def _do(self, ticket_id: int, command: c.Command, actor: Actor, at: datetime) -> Ticket:
        self.report.commands += 1
        if self.bulk:
            state = self._decide(ticket_id, command, actor, at)
        else:
            state = tickets.execute(self.db, ticket_id, command, actor, at, self.deadlines)
        self.status[ticket_id] = state.status
        return state

    # -- the bulk route: the same commands decided in memory, the tickets written in batches -----
    def _decide(self, key: int, command: c.Command, actor: Actor, at: datetime) -> Ticket:
        """What `tickets.service.execute` does, without the round trips: the sweeper's records that
        fell due first (as a worker sweeping every few minutes would have made them), then the
        command, through the workflow's own `handle`.

        The sweeper's records stand even when the rules refuse the command (as on the write path,
        where the sweeper wrote them before): kept with the state they led to, or the next step
        would make them again with the same seq."""
        state, records, by = self._mem[key]
        caught_up: list[Recorded] = []
        state = self._catch_up(state, caught_up, at)
        records += caught_up
        self._mem[key] = (state, records, by)
        ctx = Context(
            actor=actor,
            now=at,
            units=self._paths,
            centre_unit=self.city.centre,
            deadlines=self._deadlines,
            reviewers=self._reviewers,
        )
        state, made = handle(state, command, ctx)
        records += made
        self._mem[key] = (state, records, by)
        return state

    def _catch_up(self, state: Ticket, records: list[Recorded], at: datetime) -> Ticket:
        system = Actor(role=Role.SYSTEM)
        for cmd in due_records(state, at, superiors=self._superiors):
            d = state.assignment(cmd.assignment_no).deadline(cmd.step)
            assert d is not None
            if cmd.outcome is DeadlineOutcome.OVERDUE:
                when = min(at, d.due_at + SWEEP_EVERY / 2)
            else:
                when = min(at, (d.warn_at or d.due_at) + SWEEP_EVERY / 2, d.due_at)
            state, made = handle(state, cmd, Context(actor=system, now=max(when, state.updated_at)))
            records += made
        return state

    def _done(self, key: int) -> None:
        """A ticket's life is over (or reaches the end of the history): ready to be written."""
        if not self.bulk:
            return
        state, records, by = self._mem.pop(key)
        state = self._catch_up(state, records, self.end)
        self._ready.append((state, records, by))
        del self.status[key]  # counted here: a year of Haikou is not kept in memory
        self.report.by_status[state.status.value] = self.report.by_status.get(state.status.value, 0) + 1
        if len(self._ready) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.bulk or not self._ready:
            return
        with self.db.write() as s:
            store.create_many(s, self._ready)
        self._ready = []

    def _try(self, ticket_id: int, command: c.Command, actor: Actor, at: datetime) -> Ticket | None:
        """A step the rules may refuse now (a sweeper or a merge changed the ticket): skipped then."""
        try:
            return self._do(ticket_id, command, actor, at)
        except DomainError:
            self.report.refused += 1
            return None

    def _submit(self, spec: Spec, at: datetime) -> tuple[int, Ticket]:
        rng, city = self.rng, self.city
        kind, content = texts.request_text(rng, spec.template, spec.spot.name, spec.spot.district_code)
        submitter: CurrentUser | None
        if spec.channel in CITIZEN_CHANNELS:
            submitter = None
        elif spec.channel is Channel.GRID and city.grid_workers:
            submitter = rng.choice(city.grid_workers)
        else:
            operators = city.users.get((Role.OPERATOR.value, city.centre), [])
            submitter = rng.choice(operators) if operators else None
        category = None
        if (
            submitter is not None
            and submitter.role is Role.OPERATOR
            and rng.random() < self.shares.category_at_intake
        ):
            category = spec.category
        title = None
        if spec.channel in TITLED:
            title = f"关于{city.categories[spec.category].name}问题的{_KIND_WORD[kind]}"
        urgency = Urgency.URGENT if kind is Kind.HELP and rng.random() < 0.08 else Urgency.NORMAL
        data = TicketIn(
            channel=spec.channel,
            kind=kind,
            urgency=urgency,
            title=title,
            content=content,
            category_code=category,
            citizen_name=f"{rng.choice(SURNAMES)}{rng.choice(('先生', '女士'))}",
            citizen_phone=f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
            address=None if rng.random() < 0.3 else f"{spec.spot.name}",
            latitude=round(spec.spot.lat + rng.uniform(-0.003, 0.003), 6),
            longitude=round(spec.spot.lon + rng.uniform(-0.003, 0.003), 6),
        )
        self.report.tickets += 1
        if self.bulk:
            key = -self.report.tickets
            actor = submitter.actor if submitter is not None else Actor(role=Role.CITIZEN)
            state, made = handle(None, intake.command(data), Context(actor=actor, now=at))
            self._mem[key] = (state, made, submitter.id if submitter is not None else None)
            self.report.commands += 1
            self.status[key] = state.status
            return key, state
        done = intake.submit(self.db, data, at, lambda _s: submitter)
        self.report.commands += 1
        self.status[done.ticket_id] = done.ticket.status
        return done.ticket_id, done.ticket

    def _life(self, spec: Spec) -> Iterator[datetime]:
        """One ticket from intake to close (or as far as the history reaches)."""
        held: list[int] = []
        try:
            yield from self._steps(spec, held)
        finally:
            if held:
                self._done(held[0])

    def _steps(self, spec: Spec, held: list[int]) -> Iterator[datetime]:
        rng, sh, city = self.rng, self.shares, self.city
        t = spec.at
        tid, state = self._submit(spec, t)
        held.append(tid)
        operator = city.actor(Role.OPERATOR)
        dispatcher = city.actor(Role.DISPATCHER)
        if spec.burst is not None:
            if spec.first_of_burst:
                self.burst_heads[spec.burst] = tid
            elif (
                not self.bulk
                and (head := self.burst_heads.get(spec.burst)) is not None
                and rng.random() < 0.75
            ):
                t += _minutes(rng, 2, 15)
                yield t
                try:
                    state = tickets.merge(self.db, tid, head, "同一停电/停水/积水事件，并单处理", operator, t)
                    self.status[tid] = state.status
                    self.report.commands += 1
                    self.report.merged += 1
                except DomainError:
                    self.report.refused += 1
                return
        if state.kind is Kind.CONSULTATION and rng.random() < sh.answered_at_intake:
            t += _minutes(rng, 2, 8)
            yield t
            state = self._do(
                tid, c.AnswerAtIntake(answer="已根据知识库答复诉求人办理流程和所需材料。"), operator, t
            )
            if rng.random() < sh.follow_up:
                t += _minutes(rng, 60, 2 * 24 * 60)
                yield t
                state = self._do(tid, self._follow_up(), city.actor(Role.OPERATOR), t)
            t += _minutes(rng, 5, 240)
            yield t
            reason = "诉求人不满意，经核实已按政策答复，予以办结" if _unhappy(state) else None
            state = self._do(tid, c.Close(reason=reason), dispatcher, t)
            return
        right = self._unit_for(spec)
        # dispatch: at once by the operator on the phone, else by the centre's dispatcher
        t += _minutes(rng, 1, 6) if spec.channel is Channel.PHONE else _minutes(rng, 10, 90)
        yield t
        if rng.random() < sh.withdrawn:
            t += _minutes(rng, 30, 600)
            yield t
            state = self._do(tid, c.Withdraw(reason="诉求人来电表示问题已自行解决，申请撤单"), operator, t)
            return
        send_back = rng.random() < sh.send_back
        accepted = send_back and rng.random() < sh.send_back_accepted
        first = self._wrong_unit(right) if accepted else right
        by = operator if spec.channel is Channel.PHONE else dispatcher
        note = None
        if spec.channel in CITIZEN_CHANNELS and self.auto_rng.random() < sh.auto_dispatched:
            by, note = Actor(role=Role.SYSTEM), "智能分拨秒派（演示历史）"
        state = self._do(tid, c.Dispatch(lead_unit=first, category=spec.category, note=note), by, t)
        if rng.random() < sh.supervised:
            yield (t := t + _minutes(rng, 60, 600))
            state = (
                self._try(tid, c.Supervise(note="群众反映强烈，列入督办"), city.actor(Role.SUPERVISOR), t)
                or state
            )
        no = state.lead_no or 1
        if send_back:
            yield (t := t + _minutes(rng, 5, 120))
            reason = rng.choice(texts.SEND_BACK_REASONS)
            state = self._do(
                tid, c.SendBack(assignment_no=no, reason=reason), city.actor(Role.UNIT_HANDLER, first), t
            )
            yield (t := t + _minutes(rng, 10, 120))
            if accepted:
                decision = c.DecideSendBack(
                    assignment_no=no, accept=True, reason="退单理由成立，改派", redispatch_to=right
                )
            else:
                decision = c.DecideSendBack(
                    assignment_no=no, accept=False, reason="经核实属于你单位职责，请按规定办理"
                )
            state = self._do(tid, decision, dispatcher, t)
            no = state.lead_no or no
        yield from self._handle(tid, state, no, right, t, spec, dispatcher)

    def _handle(
        self, tid: int, state: Ticket, no: int, unit: int, t: datetime, spec: Spec, dispatcher: Actor
    ) -> Iterator[datetime]:
        """An assignment's work: acknowledge, contact, maybe delegate or ask for time, reply, review,
        follow-up, close (or reopen and go round once more)."""
        rng, sh, city = self.rng, self.shares, self.city
        handler = city.actor(Role.UNIT_HANDLER, unit)
        a = state.assignment(no)
        t = yield from self._acknowledge(tid, a, handler, t)
        street = spec.spot.street
        delegate = (
            city.categories[spec.category].territorial
            and city.units[unit].kind == "district"
            and city.descendant_of(street, unit)
            and rng.random() < sh.delegated
        )
        worker_no, worker = no, handler
        if delegate:
            yield (t := t + _minutes(rng, 10, 120))
            state = self._do(
                tid, c.Delegate(assignment_no=no, to_unit=street, note="请属地街道核实处理"), handler, t
            )
            child = max(x.no for x in state.assignments)
            worker_no, worker = child, city.actor(Role.UNIT_HANDLER, street)
            t = yield from self._acknowledge(tid, state.assignment(child), worker, t)
        yield (t := t + _minutes(rng, 10, 6 * 60))
        state = self._do(tid, c.RecordContact(assignment_no=worker_no, note="已电话联系诉求人"), worker, t)
        due = state.assignment(worker_no).reply_due_at or (t + timedelta(days=3))
        start = state.assignment(worker_no).dispatched_at
        if rng.random() < sh.extension and due > t + timedelta(hours=2):
            yield (t := t + (due - t) * rng.uniform(0.3, 0.7))
            until = due + timedelta(days=rng.randint(2, 5))
            asked = self._try(
                tid,
                c.RequestExtension(assignment_no=no, until=until, reason="涉及多个部门协调，需延长办理时间"),
                handler,
                t,
            )
            if asked is not None:
                yield (t := t + _minutes(rng, 30, 240))
                approve = rng.random() < sh.extension_approved
                state = self._do(
                    tid,
                    c.DecideExtension(
                        assignment_no=no, approve=approve, reason=None if approve else "理由不充分"
                    ),
                    dispatcher,
                    t,
                )
                if approve and worker_no == no:
                    due = until
        late = rng.random() < sh.overdue
        reply_at = (
            due + _minutes(rng, 30, 2 * 24 * 60) if late else start + (due - start) * rng.uniform(0.2, 0.9)
        )
        yield (t := max(reply_at, t + timedelta(minutes=5)))
        state = self._do(tid, c.Reply(assignment_no=worker_no, reply=rng.choice(texts.REPLIES)), worker, t)
        if worker_no != no:  # the district (or who reviews for it) approves its street's reply
            yield (t := t + _minutes(rng, 30, 6 * 60))
            reviewer = city.reviewer_of(unit)
            state = self._do(tid, c.ReviewReply(assignment_no=worker_no, approve=True), reviewer, t)
        yield (t := t + _minutes(rng, 20, 8 * 60))
        if rng.random() < sh.reply_rejected:
            state = self._do(
                tid,
                c.ReviewReply(assignment_no=no, approve=False, reason="答复内容不完整，请补充办理情况"),
                dispatcher,
                t,
            )
            yield (t := t + _minutes(rng, 2 * 60, 24 * 60))
            state = self._do(tid, c.Reply(assignment_no=no, reply=rng.choice(texts.REPLIES)), handler, t)
            yield (t := t + _minutes(rng, 20, 4 * 60))
        state = self._do(tid, c.ReviewReply(assignment_no=no, approve=True), dispatcher, t)
        yield (t := t + _minutes(rng, 2 * 60, 2 * 24 * 60))
        state = self._do(tid, self._follow_up(again=state.reopen_count > 0), city.actor(Role.OPERATOR), t)
        yield (t := t + _minutes(rng, 5, 240))
        if _unhappy(state) and state.reopen_count == 0 and rng.random() < sh.reopen:
            state = self._do(tid, c.Reopen(reason="回访不满意：问题未解决，重办"), dispatcher, t)
            yield from self._handle(tid, state, state.lead_no or no, unit, t, spec, dispatcher)
            return
        reason = "诉求人不满意，经核实已按政策答复，予以办结" if _unhappy(state) else None
        state = self._do(tid, c.Close(reason=reason), dispatcher, t)

    def _acknowledge(self, tid: int, a: Any, handler: Actor, t: datetime) -> Iterator[datetime]:
        rng = self.rng
        ack_due = next((d.due_at for d in a.deadlines if d.step is DeadlineStep.ACKNOWLEDGE), None)
        if ack_due is not None and rng.random() < self.shares.late_acknowledge:
            at = ack_due + _minutes(rng, 5, 180)
        else:
            at = t + _minutes(rng, 1, 25)
        yield at
        if self._try(tid, c.Acknowledge(assignment_no=a.no), handler, at) is None:
            raise _Stop
        return at

    def _follow_up(self, again: bool = False) -> c.RecordFollowUp:
        rng, sh = self.rng, self.shares
        if again:  # after a reopen most are content, not all
            weights = (
                (Satisfaction.SATISFIED, 0.6),
                (Satisfaction.FAIRLY_SATISFIED, 0.3),
                (Satisfaction.UNSATISFIED, 0.1),
            )
        else:
            rest = max(0.0, 1 - sh.satisfied - sh.fairly_satisfied)
            weights = (
                (Satisfaction.SATISFIED, sh.satisfied),
                (Satisfaction.FAIRLY_SATISFIED, sh.fairly_satisfied),
                (Satisfaction.UNSATISFIED, rest),
            )
        satisfaction = _pick(rng, weights)
        solved_p = {
            Satisfaction.SATISFIED: 0.95,
            Satisfaction.FAIRLY_SATISFIED: 0.75,
            Satisfaction.UNSATISFIED: 0.2,
        }
        method = _pick(
            rng,
            (
                (FollowUpMethod.PHONE, 40),
                (FollowUpMethod.ROBOT, 35),
                (FollowUpMethod.SMS, 20),
                (FollowUpMethod.PORTAL, 5),
            ),
        )
        return c.RecordFollowUp(
            contacted=rng.random() < (0.99 if satisfaction is not Satisfaction.UNSATISFIED else 0.85),
            solved=rng.random() < solved_p[satisfaction],
            satisfaction=satisfaction,
            method=method,
            note=rng.choice(texts.FOLLOW_UP_NOTES),
        )

    def _unit_for(self, spec: Spec) -> int:
        """Who answers for it: the category's unit, or for territorial ones the district (often) or
        the street of the place."""
        cat = self.city.categories[spec.category]
        if not cat.territorial and cat.default_unit_id is not None:
            return cat.default_unit_id
        return spec.spot.district if self.rng.random() < 0.7 else spec.spot.street

    def _wrong_unit(self, right: int) -> int:
        others = [u for u in self.city.departments if u != right]
        return self.rng.choice(others) if others else right


_KIND_WORD: Final = {
    Kind.CONSULTATION: "咨询",
    Kind.HELP: "求助",
    Kind.COMPLAINT: "投诉",
    Kind.REPORT: "举报",
    Kind.SUGGESTION: "建议",
    Kind.PRAISE: "表扬",
}


def _unhappy(state: Ticket) -> bool:
    return state.follow_up is not None and state.follow_up.satisfaction is Satisfaction.UNSATISFIED


def generate(
    db: Database, plan: Plan, end: datetime, deadlines: DeadlineSource, bulk: bool = False
) -> Report:
    """Write ``plan``'s history ending at ``end``; returns what was written.

    ``bulk`` (the benchmark scale): each ticket's commands are decided in memory by the same
    workflow (`domain.ticket.handle`, with the same policy, calendar and unit tree the write path
    uses) and its row, log, assignments and notifications written in batches by the ticket store
    (`store.create_many`): the same rows, a few statements per thousand tickets. Bursts are not
    merged on this route (a merge writes two tickets at once)."""
    gen = Generator(db, plan, end, deadlines, bulk)
    report = gen.run()
    for status in gen.status.values():
        report.by_status[status.value] = report.by_status.get(status.value, 0) + 1
    report.ids = list(gen.status)
    report.still_received = [t for t, s in gen.status.items() if s is TicketStatus.RECEIVED]
    return report
