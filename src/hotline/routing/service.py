"""Routing's use cases: suggest where a request goes and why; advise at intake (and dispatch at
once when sure); administrators' rules.

`advise` gathers evidence from every source (see `engine` for how it is weighed):
the operator's category, explicit rules, the kb's duty lists and answers (BM25), category
keywords, similar past tickets, the classifier when a model is in the data directory, and the
place (for territorial categories). It never raises on text: empty text, emoji, 100,000
characters, traditional Chinese or English all get an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import rjieba
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.kb import queries as kb
from hotline.routing import duplicates as dup
from hotline.routing import engine, history, labels
from hotline.routing import rules as rules_mod
from hotline.routing.emergency import EmergencyResult, recognise
from hotline.routing.engine import Board, Candidate, Evidence, saturate
from hotline.routing.models import RoutingRule
from hotline.routing.places import Place
from hotline.routing.runtime import Runtime
from hotline.routing.world import World
from hotline.search import tokens

#: Characters of a request that routing reads (the head says what it is about; bounds latency).
READ_CHARS: Final = 2_000
#: Below this, a kb answer is not offered for answering at intake.
ANSWER_MIN_STRENGTH: Final = 0.5
#: Characters of the request's head that are looked up in the knowledge base.
KB_QUERY_CHARS: Final = 300
#: BM25 scores (of the meaningful matched terms) at which duty and answer evidence count one half.
DUTY_HALF: Final = 6.0
ANSWER_HALF: Final = 8.0

#: Words of a request too common to be evidence of where it goes.
STOP_WORDS: Final = frozenset(
    [
        "怎么",
        "什么",
        "如何",
        "可以",
        "需要",
        "没有",
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "一个",
        "现在",
        "已经",
        "还是",
        "就是",
        "自己",
        "时候",
        "问题",
        "情况",
        "要求",
        "希望",
        "反映",
        "请问",
        "多少",
        "哪里",
        "为什么",
        "今天",
        "昨天",
        "晚上",
        "早上",
        "上午",
        "下午",
        "一直",
        "非常",
        "很多",
        "还有",
        "但是",
        "因为",
        "所以",
        "这样",
        "那么",
        "请求",
        "相关",
        "部门",
        "处理",
        "解决",
        "及时",
        "尽快",
        "谢谢",
        "你好",
        "您好",
        "市民",
        "群众",
        "咨询",
        "投诉",
        "举报",
        "建议",
        "办理",
        "怎么办",
    ]
)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]{2,}")

NOTHING: Final = {
    "empty": ("诉求内容为空，无法分拨，请话务员补充诉求内容。", "The request is empty: nothing to route."),
    "no_words": (
        "诉求内容只有标点、符号或表情，无法分拨，请话务员人工判断。",
        "The request has only punctuation, symbols or emoji: route it by hand.",
    ),
    "no_match": (
        "没有找到匹配的分类或承办单位，请话务员人工分拨。",
        "No category or unit matched: route it by hand.",
    ),
}


@dataclass(frozen=True)
class RouteRequest:
    text: str | None
    title: str | None = None
    kind: str | None = None
    channel: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    category_code: str | None = None
    ticket_id: int | None = None  # the ticket itself is left out of history and duplicates

    @property
    def full_text(self) -> str:
        text = self.text or ""
        return f"{self.title}\n{text}" if self.title else text

    @property
    def read_text(self) -> str:
        """What routing reads of the request: its head."""
        return self.full_text[:READ_CHARS]


@dataclass(frozen=True)
class Lookups:
    """What a batch's requests need of past tickets, read for the whole batch at once (a router's
    batch of 20 shares most of its words and many of its past tickets; issue 16, defect 13): each
    text's BM25 candidates, their rows, who last dispatched them, and their stored places. The
    advice is the same as with the reads made ticket by ticket in the same transaction."""

    alike: dict[str, list[int]]  # request text (`read_text`) → candidate ids, best first
    rows: dict[int, Any]  # candidate id → its TicketBrief
    dispatchers: dict[int, str]
    places: dict[int, dup.RoutedPlace]

    @classmethod
    def read(cls, session: Session, requests: list[RouteRequest]) -> Lookups:
        texts = list(dict.fromkeys(r.read_text for r in requests))
        alike = dict(zip(texts, history.search_many(session, texts), strict=True))
        ids = sorted({i for found in alike.values() for i in found})
        return cls(
            alike,
            history.candidates(session, ids),
            history.dispatchers(session, ids),
            dup.places_of(session, ids),
        )


@dataclass
class AnswerHit:
    article_id: int
    title: str
    snippet: str
    strength: float
    category_code: str | None
    unit_id: int | None


@dataclass
class Advice:
    suggestions: list[Candidate]
    place: Place | None
    emergency: EmergencyResult
    duplicates: list[dup.Duplicate] = field(default_factory=list)
    answers: list[AnswerHit] = field(default_factory=list)
    nothing: str | None = None  # code in NOTHING, when there is no suggestion
    truncated: bool = False
    model_used: bool = False
    model_note: str | None = None
    #: The model in force when the classifier was asked: its version (when it was trained) and its
    #: own auto-dispatch threshold (chosen in training for the target precision).
    model_version: str | None = None
    model_threshold: float | None = None
    #: No source but the classifier found anything: the model's threshold decides (Routing 4).
    model_alone: bool = False

    @property
    def top(self) -> Candidate | None:
        return self.suggestions[0] if self.suggestions else None


def _unit_label(world: World, unit_id: int | None) -> tuple[str, str]:
    unit = world.units.get(unit_id) if unit_id is not None else None
    if unit is None:
        return ("（未定）", "(none)")
    return (unit.name, unit.name_en or unit.name)


def _cat_label(world: World, code: str | None) -> tuple[str, str]:
    cat = world.categories.get(code) if code else None
    if cat is None:
        return ("（未分类）", "(no category)")
    return (" › ".join(cat.path), cat.name_en or cat.name)


# --- sources -----------------------------------------------------------------------------------


def _operator_category(board: Board, world: World, code: str | None) -> None:
    cat = world.categories.get(code) if code else None
    if cat is None:
        return
    zh, en = _cat_label(world, code)
    board.add(
        cat,
        cat.default_unit_id,
        Evidence("operator", 1.0, f"话务员受理时选择的分类：{zh}", f"Category chosen at intake: {en}"),
    )


def active_rules(session: Session) -> list[RoutingRule]:
    return list(
        session.scalars(select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.id))
    )


def _rules(board: Board, world: World, rules: list[RoutingRule], folded: str, place: Place | None) -> None:
    place_ids = {u.id for u in place.chain} if place else set()
    for rule in rules:
        hit, excluded = rules_mod.hit(rule, folded)
        if hit is None or excluded is not None:
            continue
        if rule.area_unit_id is not None and rule.area_unit_id not in place_ids:
            continue
        cat = world.categories.get(rule.category_code) if rule.category_code else None
        unit_id = rule.unit_id if rule.unit_id is not None else (cat.default_unit_id if cat else None)
        if cat is None and unit_id is None:
            continue
        target_zh = "、".join(
            x
            for x in (
                _cat_label(world, rule.category_code)[0] if cat else "",
                _unit_label(world, unit_id)[0] if unit_id else "",
            )
            if x
        )
        target_en = ", ".join(
            x
            for x in (
                _cat_label(world, rule.category_code)[1] if cat else "",
                _unit_label(world, unit_id)[1] if unit_id else "",
            )
            if x
        )
        board.add(
            cat,
            unit_id,
            Evidence(
                "rule",
                1.0,
                f"规则“{rule.name}”：文中有“{hit}” → {target_zh}",
                f"Rule “{rule.name}”: the text says “{hit}” → {target_en}",
                reliability=rule.confidence,
                detail={"rule_id": rule.id, "keyword": hit},
            ),
        )


def _keywords(board: Board, world: World, folded: str) -> dict[str, float]:
    """Category keyword evidence; returns each leaf's keyword strength (used to pick categories)."""
    strengths: dict[str, float] = {}
    for code, words in world.keyword_hits(folded).items():
        credit = sum(1.0 / world.keyword_share(w) for w in words)
        strength = 1.0 - 0.5**credit
        strengths[code] = strength
        cat = world.categories[code]
        shown = "”、“".join(words[:5])
        board.add(
            cat,
            None if cat.territorial else cat.default_unit_id,
            Evidence(
                "keywords",
                strength,
                f"分类“{cat.name}”的关键词：“{shown}”",
                f"Keywords of “{cat.name_en or cat.name}”: {', '.join(words[:5])}",
                detail={"keywords": words[:5]},
            ),
        )
    return strengths


def _linked(world: World, line: str, candidates: list[Any]) -> list[Any]:
    """Categories whose name or keywords appear in a duty line."""
    folded = tokens.fold(line)
    return [c for c in candidates if any(kw in folded for kw in c.keywords)]


def _query_words(folded: str) -> set[str]:
    """Words (two characters or more) of the request, as rjieba's search mode cuts them."""
    words = {w for run in _CJK.findall(folded) for w in rjieba.cut_for_search(run) if len(w) >= 2}
    return (words | set(_ASCII_WORD.findall(folded))) - STOP_WORDS


def _good(
    world: World, words: set[str], parts: tuple[tuple[str, float], ...], within: str | None = None
) -> list[tuple[str, float]]:
    """The matched terms that mean something: words of the request or of the domain's vocabulary
    (not a chance pair of characters such as 路的 or 道经), found in ``within`` when given."""
    folded = tokens.fold(within) if within is not None else None
    return [
        (t, p)
        for t, p in parts
        if t not in STOP_WORDS and (t in words or t in world.vocabulary) and (folded is None or t in folded)
    ]


def _shown(world: World, words: set[str], good: list[tuple[str, float]], n: int = 4) -> list[str]:
    """The matched terms worth showing: whole words (of the request or the domain), not the
    pieces of a longer one also shown."""
    whole = [t for t, _ in good if t in words or t in world.keywords]
    terms = whole or [t for t, _ in good]
    return [t for t in terms if not any(t != o and t in o for o in terms)][:n]


def _kb(library: kb.Snapshot, text: str) -> tuple[list[kb.Found], list[kb.Found]]:
    """Duty lists and answers matching the request: one search, read from the request's head."""
    found = library.search(text, limit=16, query_chars=KB_QUERY_CHARS)
    duties = [f for f in found if f.article.kind == "duty"][:8]
    answers = [f for f in found if f.article.kind == "answer"][:5]
    return duties, answers


def _duties(
    board: Board, world: World, found_duties: list[kb.Found], words: set[str], place: Place | None
) -> None:
    seen_lines: set[str] = set()
    for found in found_duties:
        unit_id = found.article.unit_id
        unit = world.units.get(unit_id) if unit_id is not None else None
        if unit is None or not unit.active or unit.kind == "centre":
            continue
        candidates = _good(world, words, found.parts)
        if not candidates:
            continue
        line = kb.best_line(found.article.body, tuple(t for t, _ in candidates))
        good = _good(world, words, found.parts, within=line)
        if not good:
            continue  # matched only the unit's name (a place), not what it does
        strength = saturate(sum(p for _, p in good), DUTY_HALF)
        shown = _shown(world, words, good)
        if unit.territorial and place is not None:
            # every district has this line: name the one of the place when it has it too
            own = next((u for u in place.chain if line in u.duties), None)
            if own is not None and own.id in world.units:
                unit = world.units[own.id]
        ev = Evidence(
            "duty",
            strength,
            f"职责清单：{unit.name}“{line}”（匹配 {'、'.join(f'“{t}”' for t in shown)}）",
            f"Duties of {unit.name_en or unit.name}: “{line}” (matched {', '.join(shown)})",
            detail={"article_id": found.article.id, "unit_id": unit.id, "score": found.score},
        )
        if unit.territorial:
            # a district's or street's duties say which territorial category this is; the place
            # (not this unit) decides which district or street gets it. Every district has the
            # same duty line: it counts once.
            if line in seen_lines:
                continue
            seen_lines.add(line)
            for cat in _linked(world, line, [c for c in world.leaves if c.territorial]):
                board.add(cat, None, ev)
            continue
        own = world.leaves_of_unit(unit.id)
        linked = _linked(world, line, own)
        if linked:
            for cat in linked:
                board.add(cat, unit.id, ev)
        else:
            board.support_unit(unit.id, ev)


def _answers(board: Board, world: World, found_answers: list[kb.Found], words: set[str]) -> list[AnswerHit]:
    hits = []
    for found in found_answers:
        a = found.article
        about = tokens.fold(" ".join([a.title, *(a.keywords or [])]))
        good = _good(world, words | {tokens.fold(k) for k in a.keywords or []}, found.parts)
        if not any(t in about for t, _ in good):
            continue  # only the body matched: the answer is about something else
        strength = saturate(sum(p for _, p in good), ANSWER_HALF)
        hits.append(AnswerHit(a.id, a.title, found.snippet, round(strength, 4), a.category_code, a.unit_id))
        cat = world.categories.get(a.category_code) if a.category_code else None
        if cat is None and a.unit_id is None:
            continue
        ev = Evidence(
            "answer",
            strength,
            f"知识库答复“{a.title}”归属此分类",
            f"Knowledge-base answer “{a.title}” is filed here",
            detail={"article_id": a.id, "score": found.score},
        )
        unit_id = a.unit_id if a.unit_id is not None and a.unit_id != world.centre_id else None
        if cat is not None:
            board.add(cat, None if cat.territorial else (unit_id or cat.default_unit_id), ev)
        elif unit_id is not None:
            board.support_unit(unit_id, ev)
    return hits


_OUTCOME = {
    "closed": ("已办结", "closed"),
    "followed_up": ("已回访", "followed up"),
    "reviewed": ("已审核", "reviewed"),
    "replied": ("已反馈", "replied"),
}
_SATISFACTION = {
    "satisfied": ("满意", "satisfied"),
    "fairly_satisfied": ("基本满意", "fairly satisfied"),
    "unsatisfied": ("不满意", "unsatisfied"),
}


def _history(
    board: Board,
    world: World,
    session: Session,
    text: str,
    exclude: int | None,
    candidates: list[int],
    rows: dict[int, Any] | None = None,
    dispatchers: dict[int, str] | None = None,
) -> None:
    past = history.similar(
        session, text, exclude=exclude, limit=8, candidates=candidates, rows=rows, last_dispatcher=dispatchers
    )
    groups: dict[tuple[str | None, int | None], list[history.PastTicket]] = {}
    for p in past:
        groups.setdefault((p.category_code, p.unit_id), []).append(p)
    for (code, unit_id), tickets in groups.items():
        top3 = tickets[:3]
        doubt = 1.0
        for t in top3:
            doubt *= 1.0 - t.similarity
        strength = 1.0 - doubt
        unit_zh, unit_en = _unit_label(world, unit_id)
        parts_zh, parts_en = [], []
        for t in top3:
            out_zh, out_en = _OUTCOME.get(t.status, ("办理中", "in progress"))
            sat = _SATISFACTION.get(t.satisfaction or "")
            parts_zh.append(f"#{t.id}（相似度 {t.similarity:.2f}，{out_zh}{'·' + sat[0] if sat else ''}）")
            parts_en.append(
                f"#{t.id} (similarity {t.similarity:.2f}, {out_en}{', ' + sat[1] if sat else ''})"
            )
        ev = Evidence(
            "history",
            strength,
            f"相似工单 {'、'.join(parts_zh)} 派给{unit_zh}",
            f"Similar tickets {', '.join(parts_en)} went to {unit_en}",
            detail={
                "tickets": [
                    {
                        "id": t.id,
                        "similarity": t.similarity,
                        "status": t.status,
                        "satisfaction": t.satisfaction,
                    }
                    for t in top3
                ]
            },
        )
        cat = world.categories.get(code) if code else None
        if cat is not None and unit_id is not None:
            board.add(cat, unit_id, ev)
        elif unit_id is not None:
            board.support_unit(unit_id, ev)


def _classifier(board: Board, world: World, model: Any, text: str) -> tuple[bool, str | None]:
    if model is None:
        return False, None
    result = model.route(text, k=3)
    if result.nothing is not None:
        return True, result.nothing.message
    for s in result.suggestions:
        meaning = labels.meaning(s.label, world)
        if meaning is None or s.confidence <= 0:
            continue
        why = s.explain()
        if meaning.category is not None or meaning.unit is not None:
            cat = meaning.category
            unit_id = (
                meaning.unit.id
                if meaning.unit
                else (None if cat is None or cat.territorial else cat.default_unit_id)
            )
            ev = Evidence(
                "classifier",
                s.confidence,
                f"分类模型 {s.confidence:.2f}：{why}",
                f"Classifier {s.confidence:.2f}: {why}",
            )
            if cat is None and unit_id is not None:
                board.support_unit(unit_id, ev)
            else:
                board.add(cat, unit_id, ev)
        else:
            board.support_level1(
                meaning.tops,
                Evidence(
                    "classifier_level1",
                    s.confidence,
                    f"分类模型 {s.confidence:.2f}：{why}",
                    f"Classifier {s.confidence:.2f}: {why}",
                    detail={"label": s.label},
                ),
            )
    return True, None


def _place_units(world: World, candidates: list[Candidate], place: Place | None) -> list[Candidate]:
    """Territorial candidates get the unit of the place; merged with one already there."""
    out: dict[tuple[str | None, int | None], Candidate] = {}
    for cand in candidates:
        if (
            cand.category is not None
            and cand.category.territorial
            and cand.unit is None
            and place is not None
        ):
            unit, duty = world.places.responsible(place, [cand.category.name, *cand.category.keywords])
            if unit is not None:
                cand.unit = world.units.get(unit.id)
                where = place.describe()
                where_en = place.describe("en")
                if duty:
                    zh = f"属地：{where}；{unit.short_name}的职责“{duty}”"
                    en = f"Place: {where_en}; duty of {unit.name_en or unit.short_name}: “{duty}”"
                else:
                    zh = f"属地：{where}（由区级属地单位{unit.short_name}负责）"
                    en = (
                        f"Place: {where_en} (the district, {unit.name_en or unit.short_name}, answers for it)"
                    )
                cand.evidence.append(
                    Evidence("place", 1.0, zh, en, detail={"unit_id": unit.id, "method": place.method})
                )
        elif cand.category is not None and cand.category.territorial and cand.unit is None:
            cand.evidence.append(
                Evidence(
                    "place",
                    0.0,
                    "属地类诉求：请补充地点（地址或位置）以确定属地单位",
                    "Territorial: give an address or a point to find the responsible unit",
                )
            )
        existing = out.get(cand.key)
        if existing is None:
            out[cand.key] = cand
        else:
            existing.evidence.extend(cand.evidence)
    return list(out.values())


# --- the whole advice --------------------------------------------------------------------------


def _without(folded: str, names: tuple[str, ...]) -> str:
    for name in sorted(names, key=len, reverse=True):
        folded = folded.replace(name, "，")
    return folded


def locate(world: World, req: RouteRequest) -> Place | None:
    """Point first (most precise), then the address, then place names in the text."""
    if req.latitude is not None and req.longitude is not None:
        found = world.places.locate(req.latitude, req.longitude)
        if found is not None:
            return found
    if req.address:
        found = world.places.find(req.address, "address")
        if found is not None:
            return found
    return world.places.find(req.full_text, "text")


def advise(
    session: Session,
    runtime: Runtime,
    req: RouteRequest,
    now: datetime,
    *,
    k: int = 5,
    duplicate_window_hours: float = 72,
    duplicate_distance_m: float = 500,
    world: World | None = None,
    rules: list[RoutingRule] | None = None,
    library: kb.Snapshot | None = None,
    lookups: Lookups | None = None,
) -> Advice:
    """Suggestions, place, emergency, duplicates and kb answers for one request. ``world``,
    ``rules``, the kb ``library`` and the past tickets' ``lookups`` may be handed in by a caller
    advising on a batch (the router): read once for all."""
    world = world if world is not None else runtime.world(session)
    raw = req.full_text
    text = req.read_text
    truncated = len(raw) > READ_CHARS
    emergency = recognise(text)
    place = locate(world, req)
    folded = tokens.fold(text)
    # place names say where, not what: 博爱社区 is no evidence of the category 社区事务
    what = _without(folded, place.matched if place else ())
    if not raw.strip() and req.category_code is None:
        return Advice([], place, emergency, nothing="empty")
    has_words = bool(tokens.query_terms(text))
    board = Board(world)
    _operator_category(board, world, req.category_code)
    answers: list[AnswerHit] = []
    alike: list[int] = []
    found_rows: dict[int, Any] | None = None
    dispatchers: dict[int, str] | None = None  # read for the batch (lookups), else by history
    places: dict[int, dup.RoutedPlace] | None = None  # likewise, else by duplicates
    model_used, model_note = False, None
    model = runtime.model()
    if has_words:
        _rules(board, world, rules if rules is not None else active_rules(session), folded, place)
        _keywords(board, world, what)
        words = _query_words(what)
        found_duties, found_answers = _kb(library or runtime.kb(session), what)
        _duties(board, world, found_duties, words, place)
        answers = _answers(board, world, found_answers, words)
        if lookups is not None and text in lookups.alike:
            alike = lookups.alike[text]
            found_rows = {i: lookups.rows[i] for i in alike if i in lookups.rows}
            dispatchers, places = lookups.dispatchers, lookups.places
        else:
            alike = history.search_tickets(session, text)
            found_rows = history.candidates(session, alike)  # read once, for history and duplicates
        _history(board, world, session, text, req.ticket_id, alike, found_rows, dispatchers)
        model_used, model_note = _classifier(board, world, model, text)
    candidates = _place_units(world, board.candidates(), place)
    alone = engine.model_alone(candidates)
    ranked = engine.rank(candidates, k)
    top = ranked[0] if ranked else None
    duplicates = (
        dup.find(
            session,
            world,
            text,
            place,
            req.latitude,
            req.longitude,
            top.category if top else None,
            now,
            exclude=req.ticket_id,
            window_hours=duplicate_window_hours,
            max_distance_m=duplicate_distance_m,
            candidates=alike,
            rows=found_rows,
            places=places,
        )
        if has_words
        else []
    )
    nothing = None
    if not ranked:
        nothing = "no_words" if not has_words else "no_match"
    return Advice(
        suggestions=ranked,
        place=place,
        emergency=emergency,
        duplicates=duplicates,
        answers=[a for a in answers if a.strength >= ANSWER_MIN_STRENGTH],
        nothing=nothing,
        truncated=truncated,
        model_used=model_used,
        model_note=model_note,
        model_version=model_version(model) if model_used else None,
        model_threshold=float(model.auto_dispatch_threshold) if model_used else None,
        model_alone=alone,
    )


def model_version(model: Any) -> str:
    """Which model this is: when it was trained (the model's metadata), as stored and audited."""
    return str((model.meta or {}).get("trained_at") or "unknown")
