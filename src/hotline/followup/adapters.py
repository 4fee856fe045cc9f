"""What follow-up speaks to outside: an SMS gateway behind a small interface, its simulator, and the
signature of the gateway's reply callbacks.

A real gateway (a carrier's or a cloud SMS service) implements `SmsGateway.send`, and calls the
platform back at `POST /api/v1/follow-ups/sms/replies` with each reply, signed as `sign` says.
Robot calls: `CallGateway` places one call, plays the script of `domain/call_script.py` and reports
the keys pressed (`CallReport`) to the callable it is handed, or the telephony side posts them,
signed like the SMS replies, to `POST /api/v1/follow-ups/calls/results`. `SimulatedCalls` is the
demo's and the tests' gateway."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from hotline.domain.vocabulary import Satisfaction

log = logging.getLogger("hotline.followup.sms")

SIGNATURE_HEADER = "X-Hotline-Signature"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"


class SmsGateway(Protocol):
    """Sends one text message; ``message_id`` is the platform's, and the gateway hands it back as
    ``reply_to`` with the citizen's reply (a carrier without it maps an extension code to it).
    ``text`` is the whole message; ``values`` its parts (``code``, ``url``) for a gateway that
    sends approved templates only (Dysms)."""

    def send(
        self, message_id: str, phone: str, text: str, values: Mapping[str, str] | None = None
    ) -> None: ...


CALL_STATUSES = ("answered", "no_answer", "busy", "failed")


@dataclass(frozen=True)
class CallReport:
    """How a robot call ended: ``status`` one of CALL_STATUSES (the telephony's word), ``keys`` the
    keys pressed in order ("_" a question left without a key); the platform replays them through
    the call script, so the report needs no interpretation of its own."""

    call_id: str
    status: str
    keys: str = ""


Report = Callable[[CallReport], object]


class CallGateway(Protocol):
    """Places one robot call to ``phone``, plays the call script while reading keys, and hands its
    ``CallReport`` to ``report`` when the call ends (now or later, from any thread)."""

    def call(self, call_id: str, phone: str, report: Report) -> None: ...


@dataclass
class SimulatedCalls:
    """The demo's and the tests' telephony. With ``answers`` (phone → (status, keys)) each call is
    "made" at once and reported; without, calls are only kept (a test reports them itself, e.g.
    through the signed callback)."""

    answers: Callable[[str], tuple[str, str]] | None = None
    placed: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(self, call_id: str, phone: str, report: Report) -> None:
        with self._lock:
            self.placed.append((call_id, phone))
        log.info("simulated robot call %s to %s", call_id, phone)
        if self.answers is not None:
            status, keys = self.answers(phone)
            report(CallReport(call_id, status, keys))


def demo_answers(phone: str) -> tuple[str, str]:
    """The demo's citizens, by their number's last digit: most satisfied, some unsatisfied or
    unsure, some never pick up."""
    last = int(phone[-1]) if phone[-1:].isdigit() else 0
    return {
        0: ("no_answer", ""),
        1: ("answered", "111"),
        2: ("answered", "112"),
        3: ("answered", "123"),
        4: ("answered", "1" + "99"),
        5: ("busy", ""),
        6: ("answered", "111"),
        7: ("answered", "11"),
        8: ("answered", "121"),
        9: ("answered", "111"),
    }[last]


@dataclass(frozen=True)
class SentSms:
    message_id: str
    phone: str
    text: str


@dataclass
class SimulatedSms:
    """The demo's and the tests' gateway: keeps what it would have sent, and logs it."""

    sent: list[SentSms] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, message_id: str, phone: str, text: str, values: Mapping[str, str] | None = None) -> None:
        with self._lock:
            self.sent.append(SentSms(message_id, phone, text))
        log.info("simulated SMS %s to %s: %s", message_id, phone, text)


def portal_link(public_url: str, tracking_code: str) -> str:
    """The request's page on the citizen portal (empty without HOTLINE_PUBLIC_URL)."""
    return f"{public_url.rstrip('/')}/portal/r/{tracking_code}" if public_url else ""


def sms_text(tracking_code: str, link: str = "") -> str:
    """The questions, in one message: three digits answer all three (e.g. 111); with the portal
    link, the citizen may answer there instead."""
    text = (
        f"【12345回访】您的诉求（查询码 {tracking_code}）已办理完毕。请回复三位数字："
        "第1位 承办单位是否联系您（1是 2否），第2位 问题是否解决（1是 2否），"
        "第3位 回复1满意 2基本满意 3不满意。例如回复：111"
    )
    return f"{text}。也可在网上评价：{link}" if link else text


_DIGITS = re.compile(r"^\s*([12])\s*([12])\s*([123])\s*$")
_SATISFACTION = {
    "1": Satisfaction.SATISFIED,
    "2": Satisfaction.FAIRLY_SATISFIED,
    "3": Satisfaction.UNSATISFIED,
}


@dataclass(frozen=True)
class SmsAnswer:
    contacted: bool
    solved: bool
    satisfaction: Satisfaction


def parse_reply(text: str) -> SmsAnswer | None:
    """Three digits (full-width ones too) → the answer; anything else is unclear (None): an
    operator calls instead of the platform guessing."""
    folded = text.translate({ord(c): ord("0") + i for i, c in enumerate("０１２３４５６７８９")})
    found = _DIGITS.match(folded)
    if found is None:
        return None
    return SmsAnswer(found[1] == "1", found[2] == "1", _SATISFACTION[found[3]])


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``timestamp`` + "." + body: what the gateway puts in the signature header."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, timestamp: str | None, signature: str | None, body: bytes) -> bool:
    if not secret or not timestamp or not signature:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower())


def fresh(timestamp: str | None, now: datetime, window_s: int) -> bool:
    """The callback's Unix time is within ``window_s`` of ours (an old captured request is refused)."""
    try:
        sent = int(timestamp or "")
    except ValueError:
        return False
    return abs(now.timestamp() - sent) <= window_s
