"""One typed settings object, read from `HOTLINE_*` environment variables; fails fast on bad values."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.domain.assessment import RankingConfig
from hotline.domain.rates import AssessmentConfig, PeriodBasis

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`"10.20.0.0/16, 192.168.8.5"` → networks (webhooks' allowed private ranges); a bad entry
    raises ValueError."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*([smh])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Rate:
    count: int
    period_s: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """`"10/15m"` → ten per fifteen minutes; `"off"` or `""` → None (no limit)."""
        if text.strip().lower() in ("", "off"):
            return None
        found = _RATE.match(text)
        if not found or int(found[1]) < 1 or int(found[2]) < 1:
            raise ValueError(f"not a rate like 10/15m, 100/1h or off: {text!r}")
        return cls(int(found[1]), int(found[2]) * _UNIT_S[found[3]])


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where the SQLite file and models live.")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means SQLite in data_dir (postgresql+psycopg://… in production).",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    timezone: str = "Asia/Shanghai"
    language: str = Field(default="zh", pattern="^(zh|en)$")
    demo: bool = Field(default=True, description="Load the demo city into an empty database at start.")
    demo_history_days: float = Field(
        default=30, ge=0, le=366, description="Days of history the demo city starts with (0: none)."
    )
    token_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    content_security_policy: str = Field(
        default=(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'"
        ),
        description="Sent on every response (web/security.py); empty sends none.",
    )
    db_pool_size: int = Field(default=20, ge=1)
    serve_healthcheck_timeout_s: int = Field(
        default=30,
        ge=1,
        le=600,
        description="`hotline serve --workers N`: how long uvicorn waits for a worker to answer its "
        "health check before it kills and replaces it (uvicorn's own default, 5 s, is short on a busy machine).",
    )
    # throttling (web/throttle.py): rates like 10/15m, 100/1h, or off; counted per server process
    throttle: bool = Field(default=True, description="Throttle logins, public intake, tracking, withdrawal.")
    throttle_login_per_user: str = Field(default="10/15m", description="Failed logins of one username.")
    throttle_login_per_address: str = Field(default="50/15m", description="Failed logins from one address.")
    throttle_public_per_address: str = Field(default="30/1h", description="Public tickets from one address.")
    throttle_public_per_phone: str = Field(default="10/1h", description="Public tickets giving one phone.")
    throttle_tracking_per_address: str = Field(
        default="300/1m", description="Tracking look-ups and withdrawals from one address."
    )
    throttle_withdraw_per_code: str = Field(default="5/1h", description="Withdrawal attempts on one code.")
    throttle_unlock_per_code: str = Field(
        default="10/1h", description="Portal: wrong phone digits tried on one tracking code."
    )
    login_concurrency: int = Field(
        default=2, ge=1, le=64, description="Password checks at once (Argon2 is slow by design)."
    )
    # routing (docs/routing.md): dispatch at once (秒派) when routing is this sure
    routing_auto_dispatch: bool = Field(default=True, description="Dispatch at once when routing is sure.")
    routing_auto_dispatch_threshold: float = Field(default=0.9, ge=0.0, le=1.0)
    # `hotline routing retrain` chooses the model's threshold by this many folds of leak-free
    # cross-validation on at most this many tickets (a sample; more is slower, not much surer)
    routing_retrain_folds: int = Field(default=5, ge=2, le=20)
    routing_retrain_max_rows: int = Field(default=3000, ge=50)
    routing_duplicate_window_hours: float = Field(
        default=72, gt=0, description="How far back duplicates are looked for."
    )
    routing_duplicate_distance_m: float = Field(
        default=500, gt=0, description="How near a duplicate's point must be."
    )
    # Open311 GeoReport v2 (docs/open311.md): the one jurisdiction this platform serves, and the
    # largest photo a client may upload (below max_body_bytes, so the Open311 413 answers first).
    open311_jurisdiction: str = Field(default="demo.hotline", min_length=1, max_length=100)
    open311_max_media_bytes: int = Field(default=1_000_000, ge=1024)
    # uploaded photos (media/, docs/portal.md): checked by content, kept re-encoded and resized in
    # data_dir/media/uploads; the portal's forms may carry media_max_files photos of media_max_bytes.
    media_max_bytes: int = Field(default=10_000_000, ge=1024, description="Largest photo as uploaded.")
    media_max_pixels: int = Field(default=40_000_000, ge=10_000, description="Most pixels a photo may have.")
    media_max_side: int = Field(default=1600, ge=200, le=8000, description="Longest side of the kept copy.")
    media_max_files: int = Field(default=3, ge=1, le=10, description="Photos per submission.")
    # time limits, sweeper and deliveries (docs/time-limits.md)
    calendar: str = Field(default="cn", description="Working-day calendar: cn, weekends, or e.g. us-ny.")
    office_hours: str = Field(default="08:30-17:30", description="Working-day deadlines fall at the close.")
    warning_share: float = Field(default=0.8, gt=0, le=1, description="Share of the time that warns.")
    worker: str = Field(
        default="auto",
        pattern="^(auto|on|off)$",
        description="Run the sweeper and webhook deliveries inside `hotline serve`: auto = on SQLite only.",
    )
    worker_interval_s: float = Field(default=1.0, gt=0, le=60, description="Longest sleep of the worker.")
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    webhook_max_attempts: int = Field(default=20, ge=1, le=1000)
    webhook_allowed_networks: str = Field(
        default="",
        description="Private ranges webhooks may reach, e.g. 10.20.0.0/16,192.168.8.0/24 (public: always).",
    )
    # Follow-up (回访, docs/follow-up.md): a task per approved reply, asked after a delay.
    followup_delay_hours: float = Field(
        default=2.0,
        ge=0,
        le=24 * 14,
        description="Hours after the reply is approved before the citizen is asked.",
    )
    followup_retry_minutes: float = Field(
        default=120.0, gt=0, le=7 * 24 * 60, description="Minutes before calling again after no answer."
    )
    followup_max_attempts: int = Field(
        default=3, ge=1, le=20, description="Calls without an answer before the task is given up."
    )
    followup_auto_reopen: bool = Field(
        default=True, description="Reopen to the same lead unit on an unsatisfied or not-solved answer."
    )
    followup_close_unreached: bool = Field(
        default=True,
        description="Close, with the reason, tickets exempt from follow-up or whose citizen cannot be reached.",
    )
    followup_sms: str = Field(
        default="auto",
        pattern="^(auto|off|simulator|dysms)$",
        description="SMS gateway for follow-up questions: auto = the simulator in the demo, else off; "
        "dysms = Alibaba Cloud SMS (HOTLINE_FOLLOWUP_DYSMS_*).",
    )
    followup_dysms_access_key_id: str = ""
    followup_dysms_access_key_secret: str = ""
    followup_dysms_sign_name: str = Field(default="", description="The approved SMS signature (短信签名).")
    followup_dysms_template_code: str = Field(
        default="", description="The approved follow-up template, with ${code} and ${url}."
    )
    public_url: str = Field(
        default="",
        description="Where citizens reach the platform (e.g. https://12345.example.gov.cn): links in SMS.",
    )
    followup_sms_secret: str = Field(
        default="",
        description="HMAC-SHA256 key of the SMS gateway's signed reply callbacks (empty: refused).",
    )
    followup_sms_window_s: int = Field(
        default=300, ge=10, le=3600, description="Largest clock difference of a signed callback (replays)."
    )
    followup_calls: str = Field(
        default="auto",
        pattern="^(auto|off|simulator|ari)$",
        description="Robot follow-up calls: auto = the simulator in the demo, else off; "
        "ari = Asterisk (HOTLINE_FOLLOWUP_ARI_*).",
    )
    followup_ari_url: str = Field(default="", description="Asterisk's HTTP server, e.g. http://pbx:8088.")
    followup_ari_user: str = ""
    followup_ari_password: str = ""
    followup_ari_app: str = "hotline-followup"
    followup_ari_endpoint: str = Field(
        default="", description="The dial string with {phone}, e.g. PJSIP/{phone}@carrier."
    )
    followup_ari_caller_id: str = "12345"
    followup_call_hours: str = Field(
        default="09:00-12:00,14:00-20:00",
        description="Local windows in which the robot may call; retries move to the next window.",
    )
    followup_call_secret: str = Field(
        default="",
        description="HMAC-SHA256 key of the telephony's signed call-result callbacks (empty: refused).",
    )

    # The rates (docs/assessment.md): the composite's weights, what "fairly satisfied" is worth, and
    # which instant puts a ticket in a period.
    assessment_weights: str = Field(
        default="0.1,0.5,0.4",
        description="The composite's weights of response, resolution and satisfaction; they sum to 1.",
    )
    assessment_fairly_satisfied_weight: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="What a 'fairly satisfied' answer counts for in the satisfaction rate.",
    )
    assessment_basis: Literal["received", "closed"] = Field(
        default="received", description="received or closed: which instant puts a ticket in a period."
    )

    # Rankings (docs/assessment.md): who is ranked, the watchlist (蜗牛席), the red and black lists.
    assessment_min_volume: int = Field(
        default=5, ge=1, le=10_000, description="Valid follow-ups in a period before a unit is ranked."
    )
    assessment_bottom: int = Field(default=2, ge=1, le=50, description='The watchlist\'s "bottom two".')
    assessment_watch_periods: int = Field(
        default=3, ge=1, le=24, description="Periods running in the bottom before the watchlist."
    )
    assessment_red_top: int = Field(default=1, ge=0, le=50, description="Red list: the first place(s) …")
    assessment_red_min: float = Field(default=0.90, ge=0, le=1, description="… scoring at least this.")
    assessment_black_bottom: int = Field(
        default=1, ge=0, le=50, description="Black list: the last place(s) …"
    )
    assessment_black_max: float = Field(default=0.80, ge=0, le=1, description="… scoring below this.")

    @field_validator("calendar")
    @classmethod
    def _known_calendar(cls, value: str) -> str:
        from hotline.sla.calendars import CalendarConfigError, calendar_from_config

        try:
            calendar_from_config(value)
        except CalendarConfigError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator("office_hours")
    @classmethod
    def _office_hours(cls, value: str) -> str:
        from hotline.domain.deadlines import OfficeHours, TimeLimitError

        try:
            OfficeHours.parse(value)
        except TimeLimitError as exc:
            raise ValueError(str(exc)) from exc
        return value

    @field_validator(
        "throttle_login_per_user",
        "throttle_login_per_address",
        "throttle_public_per_address",
        "throttle_public_per_phone",
        "throttle_tracking_per_address",
        "throttle_withdraw_per_code",
        "throttle_unlock_per_code",
    )
    @classmethod
    def _rate(cls, value: str) -> str:

        Rate.parse(value)
        return value

    def rate(self, name: str) -> Rate | None:
        """The parsed rate of setting `throttle_<name>`, None when throttling is off."""

        return Rate.parse(getattr(self, f"throttle_{name}")) if self.throttle else None

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:

        parse_networks(value)  # a bad entry fails at start, naming it
        return value

    @property
    def webhook_networks(self) -> tuple[Network, ...]:

        return parse_networks(self.webhook_allowed_networks)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only SQLite and PostgreSQL are supported")
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("assessment_weights")
    @classmethod
    def _weights(cls, value: str) -> str:
        AssessmentConfig(weights=_weights(value))  # three numbers ≥ 0 summing to 1, or a clear error
        return value

    @cached_property
    def assessment_config(self) -> AssessmentConfig:
        """The rates' settings (`HOTLINE_ASSESSMENT_*`): weights, w, basis and the minimum volume."""
        return AssessmentConfig(
            fairly_satisfied_weight=self.assessment_fairly_satisfied_weight,
            weights=_weights(self.assessment_weights),
            basis=PeriodBasis(self.assessment_basis),
            min_volume=self.assessment_min_volume,
        )

    @cached_property
    def ranking_config(self) -> RankingConfig:
        """The rankings' and lists' settings (`HOTLINE_ASSESSMENT_*`)."""
        return RankingConfig(
            min_volume=self.assessment_min_volume,
            bottom=self.assessment_bottom,
            watch_periods=self.assessment_watch_periods,
            red_top=self.assessment_red_top,
            red_min=self.assessment_red_min,
            black_bottom=self.assessment_black_bottom,
            black_max=self.assessment_black_max,
        )

    @field_validator("followup_call_hours")
    @classmethod
    def _call_hours(cls, value: str) -> str:
        from hotline.domain.call_script import parse_hours

        parse_hours(value)
        return value

    @property
    def followup_call_gateway(self) -> str:
        """The robot's telephony: `simulator` or `off` (`auto` is the simulator in the demo)."""
        if self.followup_calls == "auto":
            return "simulator" if self.demo else "off"
        return self.followup_calls

    @property
    def followup_sms_gateway(self) -> str:
        """The SMS gateway in use: `simulator` or `off` (`auto` is the simulator in the demo)."""
        if self.followup_sms == "auto":
            return "simulator" if self.demo else "off"
        return self.followup_sms

    @property
    def worker_in_process(self) -> bool:
        """Whether `hotline serve` runs the sweeper and deliveries itself (the embedded default)."""
        if self.worker == "auto":
            return self.resolved_database_url.startswith("sqlite")
        return self.worker == "on"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotline.db').resolve()}"


def _weights(value: str) -> tuple[float, float, float]:
    """ "0.1,0.5,0.4" → (0.1, 0.5, 0.4); anything but three numbers is refused."""
    parts = [p.strip() for p in value.split(",")]
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError as exc:
        raise ValueError(f"weights are three numbers separated by commas, not {value!r}") from exc
    if len(numbers) != 3:
        raise ValueError(f"weights are three numbers separated by commas, not {value!r}")
    return numbers  # type: ignore[return-value]
