"""The robot call's script: keys in, the answer (or a hand-off to an operator) out."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.domain import call_script as cs
from hotline.domain.vocabulary import Satisfaction

SH = ZoneInfo("Asia/Shanghai")
HOURS = cs.parse_hours("09:00-12:00, 14:00-20:00")


def test_three_keys_answer_the_three_questions() -> None:
    call = cs.run("121")
    assert call.result is cs.Result.ANSWERED
    assert (call.contacted, call.solved, call.satisfaction) == (True, False, Satisfaction.SATISFIED)
    assert call.prompts() == [cs.THANKS]


def test_the_greeting_then_each_question_in_turn() -> None:
    call = cs.Call()
    assert call.prompts() == [cs.GREETING, cs.QUESTIONS[0].prompt]
    call = call.press("1")
    assert call.prompts() == [cs.QUESTIONS[1].prompt]
    call = call.press("2").press("3")
    assert call.satisfaction is Satisfaction.UNSATISFIED


def test_an_invalid_key_repeats_the_question() -> None:
    call = cs.Call().press("1").press("9")
    assert call.result is cs.Result.IN_PROGRESS
    assert call.prompts() == [cs.INVALID, cs.QUESTIONS[1].prompt]
    call = call.press("1").press("2")
    assert call.result is cs.Result.ANSWERED
    assert call.satisfaction is Satisfaction.FAIRLY_SATISFIED


def test_silence_counts_as_an_invalid_key() -> None:
    assert cs.run("1_1" + "1").result is cs.Result.ANSWERED


def test_two_invalid_keys_on_one_question_hand_it_to_an_operator() -> None:
    call = cs.run("1" + "9_")
    assert call.result is cs.Result.UNCLEAR
    assert call.note == "机器人回访第2题未能识别（9、无按键），请人工回访"
    assert call.prompts() == [cs.HANDOFF]


def test_invalid_keys_on_different_questions_do_not_add_up() -> None:
    assert cs.run("91" + "91" + "91").result is cs.Result.ANSWERED


def test_a_hang_up_before_the_last_answer_is_unclear() -> None:
    call = cs.run("12")
    assert call.result is cs.Result.UNCLEAR
    assert call.note == "机器人回访中诉求人挂断（第3题），请人工回访"
    assert cs.run("").note == "机器人回访中诉求人挂断（第1题），请人工回访"


def test_keys_after_the_end_are_ignored() -> None:
    assert cs.run("1119999").result is cs.Result.ANSWERED
    assert cs.run("99" + "111").result is cs.Result.UNCLEAR


@given(st.text(alphabet="0123456789*#_", max_size=12))
def test_any_keys_end_answered_or_unclear_and_replay_the_same(keys: str) -> None:
    first, again = cs.run(keys), cs.run(keys)
    assert first == again
    assert first.result in (cs.Result.ANSWERED, cs.Result.UNCLEAR)
    assert (first.note is None) == (first.result is cs.Result.ANSWERED)


def test_valid_keys() -> None:
    assert cs.valid_keys("12#*_0")
    assert not cs.valid_keys("1a")


def test_calling_hours_parse_and_refuse_nonsense() -> None:
    assert ((time(9), time(12)), (time(14), time(20))) == HOURS
    for bad in ("", "12:00-09:00", "9-x"):
        with pytest.raises(ValueError):
            cs.parse_hours(bad)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 12, 3, 10, 30, tzinfo=SH), datetime(2026, 12, 3, 10, 30, tzinfo=SH)),
        (datetime(2026, 12, 3, 12, 0, tzinfo=SH), datetime(2026, 12, 3, 14, 0, tzinfo=SH)),
        (datetime(2026, 12, 3, 7, 5, tzinfo=SH), datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
        (datetime(2026, 12, 3, 21, 0, tzinfo=SH), datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
        (datetime(2026, 12, 31, 23, 59, tzinfo=SH), datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    ],
)
def test_the_next_call_falls_inside_calling_hours(at: datetime, expected: datetime) -> None:
    assert cs.next_call_time(at, HOURS) == expected
    assert cs.in_hours(expected, HOURS)
