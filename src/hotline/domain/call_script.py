"""The robot follow-up call's script: a pure state machine over key presses.

The robot plays a question ("承办单位是否联系过您？联系请按1，没联系请按2"), reads one key, and moves
on; an invalid key (or silence) repeats the question, and a second invalid key on the same question
gives up: the call is *unclear* and handed to an operator with a note saying where it stopped.
A hang-up before the last answer is unclear too. Both the live call (the telephony adapter decides
what to play next) and the platform (it replays the keys a callback reports) run this same machine,
so a result is a function of the keys alone: a retried callback derives the same answer.

Keys are DTMF characters (0-9, *, #) and ``TIMEOUT`` ("_") for a question left without a key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum

from hotline.domain.vocabulary import Satisfaction

TIMEOUT = "_"
DTMF = frozenset("0123456789*#") | {TIMEOUT}


@dataclass(frozen=True)
class Question:
    field: str
    prompt: str
    # key → the answer's value
    keys: dict[str, object]


GREETING = "您好，这里是12345政务服务便民热线，您反映的问题已办理完毕，现在对办理情况进行回访。"
QUESTIONS: tuple[Question, ...] = (
    Question("contacted", "承办单位是否联系过您？联系请按1，没联系请按2。", {"1": True, "2": False}),
    Question("solved", "您反映的问题是否已解决？已解决请按1，未解决请按2。", {"1": True, "2": False}),
    Question(
        "satisfaction",
        "您对办理结果是否满意？满意请按1，基本满意请按2，不满意请按3。",
        {
            "1": Satisfaction.SATISFIED,
            "2": Satisfaction.FAIRLY_SATISFIED,
            "3": Satisfaction.UNSATISFIED,
        },
    ),
)
INVALID = "按键无效，请重新选择。"
THANKS = "感谢您的评价，再见。"
HANDOFF = "稍后将由话务员与您联系，再见。"


class Result(StrEnum):
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    UNCLEAR = "unclear"  # handed to an operator, with a note


@dataclass(frozen=True)
class Call:
    """Where a call stands: the question in hand, the answers so far, the invalid keys on this
    question. Immutable: each key gives a new ``Call``."""

    step: int = 0
    answers: tuple[object, ...] = ()
    invalid: tuple[str, ...] = ()
    result: Result = Result.IN_PROGRESS
    note: str | None = None
    max_invalid: int = 2

    @property
    def finished(self) -> bool:
        return self.result is not Result.IN_PROGRESS

    @property
    def question(self) -> Question | None:
        return None if self.finished else QUESTIONS[self.step]

    def press(self, key: str) -> Call:
        """One key (or ``TIMEOUT``). A finished call ignores further keys."""
        if self.finished:
            return self
        q = QUESTIONS[self.step]
        if key in q.keys:
            answers = (*self.answers, q.keys[key])
            if len(answers) == len(QUESTIONS):
                return replace(self, step=self.step, answers=answers, invalid=(), result=Result.ANSWERED)
            return replace(self, step=self.step + 1, answers=answers, invalid=())
        invalid = (*self.invalid, key)
        if len(invalid) >= self.max_invalid:
            shown = "、".join("无按键" if k == TIMEOUT else k for k in invalid)
            note = f"机器人回访第{self.step + 1}题未能识别（{shown}），请人工回访"
            return replace(self, invalid=invalid, result=Result.UNCLEAR, note=note)
        return replace(self, invalid=invalid)

    def hang_up(self) -> Call:
        """The citizen hung up: an unfinished call is unclear (an operator calls back)."""
        if self.finished:
            return self
        note = f"机器人回访中诉求人挂断（第{self.step + 1}题），请人工回访"
        return replace(self, result=Result.UNCLEAR, note=note)

    def prompts(self) -> list[str]:
        """What to play now: after an invalid key the notice, then the question; at the end the
        goodbye."""
        if self.result is Result.ANSWERED:
            return [THANKS]
        if self.result is Result.UNCLEAR:
            return [HANDOFF]
        q = QUESTIONS[self.step]
        if self.invalid:
            return [INVALID, q.prompt]
        if self.step == 0:
            return [GREETING, q.prompt]
        return [q.prompt]

    @property
    def contacted(self) -> bool:
        return bool(self.answers[0])

    @property
    def solved(self) -> bool:
        return bool(self.answers[1])

    @property
    def satisfaction(self) -> Satisfaction:
        value = self.answers[2]
        assert isinstance(value, Satisfaction)
        return value


def run(keys: Iterable[str], max_invalid: int = 2) -> Call:
    """Replay the keys a call collected; keys left when the call ended are ignored, and a call
    whose keys run out before the last answer was hung up."""
    call = Call(max_invalid=max_invalid)
    for key in keys:
        if call.finished:
            break
        call = call.press(key)
    return call if call.finished else call.hang_up()


def valid_keys(keys: str) -> bool:
    return all(k in DTMF for k in keys)


# --- when the robot may call ---------------------------------------------------------------------


def parse_hours(text: str) -> tuple[tuple[time, time], ...]:
    """ "09:00-12:00,14:00-20:00" → the calling windows (local time). ValueError when malformed."""
    windows = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        start, _, end = part.partition("-")
        a, b = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
        if not a < b:
            raise ValueError(f"calling window {part!r} ends before it starts")
        windows.append((a, b))
    if not windows:
        raise ValueError("no calling window")
    return tuple(sorted(windows))


def next_call_time(after: datetime, windows: Sequence[tuple[time, time]]) -> datetime:
    """The first moment at or after ``after`` (local, the centre's zone) inside a calling window:
    itself when inside one, else the next window's opening (the next day's first when the day's
    windows are over). Nobody is called at night."""
    for days in range(0, 8):
        day = (after + timedelta(days=days)).date()
        for start, end in windows:
            opens = datetime.combine(day, start, after.tzinfo)
            closes = datetime.combine(day, end, after.tzinfo)
            if closes <= after:
                continue
            return max(opens, after)
    raise AssertionError("unreachable: every day has a window")  # pragma: no cover


def in_hours(at: datetime, windows: Sequence[tuple[time, time]]) -> bool:
    return next_call_time(at, windows) == at
