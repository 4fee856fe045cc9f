"""What follow-up speaks to outside: an SMS gateway behind a small interface, its simulator, and the
signature of the gateway's reply callbacks.

A real gateway (a carrier's or a cloud SMS service) implements `SmsGateway.send`, and calls the
platform back at `POST /api/v1/follow-ups/sms/replies` with each reply, signed as `sign` says.
Robot calls (an outbound campaign playing the questions and reading key presses) and a real
telephony adapter (Asterisk through ARI) are a later slice: `CallGateway` is the interface they
will implement; nothing calls it yet."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from hotline.domain.vocabulary import Satisfaction

log = logging.getLogger("hotline.followup.sms")

SIGNATURE_HEADER = "X-Hotline-Signature"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"


class SmsGateway(Protocol):
    """Sends one text message; ``message_id`` is the platform's, and the gateway hands it back as
    ``reply_to`` with the citizen's reply (a carrier without it maps an extension code to it)."""

    def send(self, message_id: str, phone: str, text: str) -> None: ...


class CallGateway(Protocol):
    """A robot call (later slice): play ``script``, read key presses, and call the platform back
    with them as the SMS gateway does (signed, idempotent by the call's id)."""

    def call(self, call_id: str, phone: str, script: list[str]) -> None: ...


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

    def send(self, message_id: str, phone: str, text: str) -> None:
        with self._lock:
            self.sent.append(SentSms(message_id, phone, text))
        log.info("simulated SMS %s to %s: %s", message_id, phone, text)


def sms_text(tracking_code: str) -> str:
    """The questions, in one message: three digits answer all three (e.g. 111)."""
    return (
        f"【12345回访】您的诉求（查询码 {tracking_code}）已办理完毕。请回复三位数字："
        "第1位 承办单位是否联系您（1是 2否），第2位 问题是否解决（1是 2否），"
        "第3位 回复1满意 2基本满意 3不满意。例如回复：111"
    )


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
