"""Advice as stored JSON (both languages kept, so a stored advice can be shown in either) and as
the API's shapes in one language."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from shapely.geometry import Polygon

from hotline.domain.vocabulary import label
from hotline.routing import schemas as s
from hotline.routing.emergency import SERVICE_NAMES
from hotline.routing.places import Place, PlaceUnit
from hotline.routing.service import NOTHING, Advice
from hotline.routing.world import World

_LEVEL = {"district": 0, "street": 1, "town": 1}

SOURCE_LABELS = {
    "operator": ("话务员选择", "Operator's choice"),
    "rule": ("规则", "Rule"),
    "history": ("相似工单", "Similar tickets"),
    "classifier": ("分类模型", "Classifier"),
    "classifier_level1": ("分类模型", "Classifier"),
    "keywords": ("分类关键词", "Category keywords"),
    "duty": ("职责清单", "Duties"),
    "answer": ("知识库", "Knowledge base"),
    "place": ("属地", "Place"),
}

DECISIONS = {
    "auto_dispatched": ("已自动派单（秒派）", "Dispatched automatically"),
    "below_threshold": (
        "置信度未达自动派单阈值，请话务员选择",
        "Below the auto-dispatch threshold: the operator chooses",
    ),
    "emergency": ("疑似紧急情况，请转紧急热线", "Looks like an emergency: hand it off"),
    "duplicate": ("可能与在办工单重复，请核实是否并单", "May duplicate an open ticket: check and merge"),
    "answer_at_intake": (
        "咨询类诉求，知识库有答复，可直接答复",
        "A consultation the knowledge base answers: answer at intake",
    ),
    "no_unit": ("未能确定承办单位，请话务员选择", "No responsible unit found: the operator chooses"),
    "disabled": ("未开启自动派单，请话务员选择", "Auto-dispatch is off: the operator chooses"),
    "not_received": ("工单已不在待派单状态", "The ticket is no longer waiting for dispatch"),
    "dispatch_refused": (
        "自动派单未成功（工单已被处理），请查看工单",
        "Auto-dispatch was refused (the ticket changed): see the ticket",
    ),
    "nothing_to_route": ("无法分拨，请话务员人工判断", "Nothing to route: the operator decides"),
}


def _unit_json(u: PlaceUnit | None) -> dict[str, Any] | None:
    return None if u is None else {"id": u.id, "name": u.short_name, "name_en": u.name_en or u.short_name}


def place_json(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    return {
        "district": _unit_json(place.district),
        "street": _unit_json(place.street),
        "community": _unit_json(place.community),
        "grid": _unit_json(place.grid),
        "method": place.method,
        "matched": list(place.matched),
        "conflicts": list(place.conflicts),
        "zh": place.describe("zh"),
        "en": place.describe("en"),
    }


def advice_json(advice: Advice) -> dict[str, Any]:
    return {
        "suggestions": [
            {
                "category_code": c.category.code if c.category else None,
                "category_zh": " › ".join(c.category.path) if c.category else None,
                "category_en": (c.category.name_en or c.category.name) if c.category else None,
                "unit_id": c.unit.id if c.unit else None,
                "unit_zh": c.unit.name if c.unit else None,
                "unit_en": (c.unit.name_en or c.unit.name) if c.unit else None,
                "confidence": round(c.confidence, 4),
                "raw": round(c.raw, 4),
                "reasons": [ev.as_json() for ev in sorted(c.evidence, key=lambda e: -e.weight)],
            }
            for c in advice.suggestions
        ],
        "place": place_json(advice.place),
        "emergency": [
            {
                "service": m.service,
                "what": m.what,
                "evidence": m.evidence,
                "zh": m.reason("zh"),
                "en": m.reason("en"),
            }
            for m in advice.emergency.matches
        ],
        "duplicates": [
            {
                "ticket_id": d.ticket_id,
                "tracking_code": d.tracking_code,
                "status": d.status,
                "title": d.title,
                "content": d.content,
                "received_at": d.received_at.isoformat(),
                "similarity": d.similarity,
                "distance_m": d.distance_m,
                "same_place": d.same_place,
                "same_category": d.same_category,
                "duplicates": d.duplicates,
                "zh": "，".join(d.zh),
                "en": ", ".join(d.en),
            }
            for d in advice.duplicates
        ],
        "answers": [
            {
                "article_id": a.article_id,
                "title": a.title,
                "snippet": a.snippet,
                "strength": a.strength,
                "category_code": a.category_code,
                "unit_id": a.unit_id,
            }
            for a in advice.answers
        ],
        "nothing": advice.nothing,
        "truncated": advice.truncated,
        "model_used": advice.model_used,
        "model_note": advice.model_note,
        "model_version": advice.model_version,
    }


def _pick(item: dict[str, Any], lang: str) -> str:
    return str(item["en"] if lang == "en" else item["zh"])


def render(stored: dict[str, Any], lang: str, zone: ZoneInfo) -> s.Advice:
    """Stored advice in one language."""
    en = lang == "en"
    suggestions = [
        s.Suggestion(
            rank=i + 1,
            category=None
            if x["category_code"] is None
            else s.CategoryRef(code=x["category_code"], name=x["category_en"] if en else x["category_zh"]),
            unit=None
            if x["unit_id"] is None
            else s.UnitRef(id=x["unit_id"], name=x["unit_en"] if en else x["unit_zh"]),
            confidence=x["confidence"],
            reasons=[
                s.Reason(
                    source=r["source"],
                    source_label=SOURCE_LABELS.get(r["source"], (r["source"], r["source"]))[1 if en else 0],
                    text=_pick(r, lang),
                    weight=r["weight"],
                )
                for r in x["reasons"]
            ],
        )
        for i, x in enumerate(stored["suggestions"])
    ]
    place = stored.get("place")
    emergency = stored.get("emergency") or []
    services = list(dict.fromkeys(m["service"] for m in emergency))
    nothing = stored.get("nothing")
    return s.Advice(
        suggestions=suggestions,
        place=None
        if place is None
        else s.PlaceOut(
            district=_ref(place["district"], en),
            street=_ref(place["street"], en),
            community=_ref(place["community"], en),
            grid=_ref(place["grid"], en),
            method=place["method"],
            description=_pick(place, lang),
            matched=place["matched"],
            conflicts=place["conflicts"],
        ),
        emergency=None
        if not emergency
        else s.EmergencyOut(
            service=services[0],
            services=services,
            label=SERVICE_NAMES[services[0]][1 if en else 0],
            prompt=(
                f"Hand off to {' / '.join(SERVICE_NAMES[x][1] for x in services)} at once"
                if en
                else f"请立即转 {' / '.join(SERVICE_NAMES[x][0] for x in services)}"
            ),
            reasons=[_pick(m, lang) for m in emergency],
        ),
        duplicates=[
            s.DuplicateOut(
                ticket_id=d["ticket_id"],
                tracking_code=d["tracking_code"],
                status=d["status"],
                status_label=label(d["status"], lang),
                title=d["title"],
                snippet=d["content"],
                received_at=datetime.fromisoformat(d["received_at"]).astimezone(zone),
                similarity=d["similarity"],
                distance_m=d["distance_m"],
                same_place=d["same_place"],
                same_category=d["same_category"],
                merged_callers=d["duplicates"],
                reason=_pick(d, lang),
            )
            for d in stored.get("duplicates") or []
        ],
        answers=[s.AnswerOut(**a) for a in stored.get("answers") or []],
        nothing=None
        if nothing is None
        else s.Nothing(code=nothing, message=NOTHING[nothing][1 if en else 0]),
        truncated=bool(stored.get("truncated")),
        model_used=bool(stored.get("model_used")),
        model_note=stored.get("model_note"),
        model_version=stored.get("model_version"),
    )


def _ref(u: dict[str, Any] | None, en: bool) -> s.UnitRef | None:
    return None if u is None else s.UnitRef(id=u["id"], name=u["name_en"] if en else u["name"])


def decision_label(decision: str, lang: str) -> str:
    return DECISIONS.get(decision, (decision, decision))[1 if lang == "en" else 0]


def city_geojson(world: World, lang: str) -> dict[str, Any]:
    """The city's own areas as a GeoJSON FeatureCollection, for a map drawn without tiles: the
    directory's polygons (``[[lat, lon], …]``) turned into GeoJSON's ``[lon, lat]`` rings, closed,
    each with its unit, kind, level (0 district, 1 street or town), name and a point inside it for
    the label. Districts come last, so their borders are drawn over their streets'."""
    en = lang == "en"
    places = world.places
    features = []
    units = sorted(places.polygons, key=lambda u: (-_LEVEL.get(u.kind, 2), u.id))
    for unit in units:
        ring = [[float(lon), float(lat)] for lat, lon in unit.area]
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        inside = Polygon(ring).representative_point()
        features.append(
            {
                "type": "Feature",
                "id": unit.id,
                "properties": {
                    "id": unit.id,
                    "name": (unit.name_en or unit.short_name) if en else unit.short_name,
                    "label": _map_label(unit, en),
                    "kind": unit.kind,
                    "level": _LEVEL.get(unit.kind, 2),
                    "parent_id": unit.parent_id,
                    "label_at": [round(inside.x, 6), round(inside.y, 6)],
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _map_label(unit: PlaceUnit, en: bool) -> str:
    """The short name a small map can print: 龙湾区, Longwan (not its government's full name)."""
    if not en or not unit.name_en:
        return unit.short_name
    name = unit.name_en.split(", ")[0].removesuffix(" People's Government")
    for kind in (" District", " Subdistrict", " Town"):
        name = name.removesuffix(kind)
    return name


def city_map(world: World, lang: str) -> tuple[bytes, str]:
    """`city_geojson` serialised once per directory version and language, with its ETag."""
    key = ("geojson", lang)
    if key not in world.places.memo:
        body = json.dumps(city_geojson(world, lang), ensure_ascii=False, separators=(",", ":")).encode()
        world.places.memo[key] = (body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
    return world.places.memo[key]  # type: ignore[no-any-return]
