"""Emergency recognition: does a request belong to 110 / 119 / 120 / 122 rather than to 12345?

12345 is for non-emergencies; fire, injury, a crime in progress or a traffic accident must be
handed off at once (转110/119/120/122). Rules, not a model: each is a pattern in Chinese or
English with the service it belongs to, and a match is dropped when a negation stands right before
it (不是火灾, 没有人受伤, no one was hurt) or when the words around it show a non-emergency
(火灾隐患 is a fire *hazard*: 12345's 消防隐患; 工伤赔偿 is a labour matter). The operator is
prompted; nothing is handed off automatically.

No database, no model: tested on its own (tests/unit/test_emergency.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from hotline.search.tokens import fold

POLICE: Final = "110"
FIRE: Final = "119"
AMBULANCE: Final = "120"
TRAFFIC: Final = "122"

SERVICE_NAMES: Final = {
    POLICE: ("110 报警（公安）", "110 police"),
    FIRE: ("119 火警（消防）", "119 fire"),
    AMBULANCE: ("120 急救", "120 ambulance"),
    TRAFFIC: ("122 交通事故报警", "122 traffic police"),
}

# (service, what it is, pattern). Chinese patterns match simplified text (input is folded first).
_RULES: Final[list[tuple[str, str, str]]] = [
    (FIRE, "fire", r"[着著]火|起火|失火|火灾|大火|火势|烧起来|燃起来|冒浓烟|有人被困|爆炸了|发生爆炸"),
    (
        FIRE,
        "smoke",
        r"(?:电线|插座|电表|配电箱|变压器|电瓶车|电动车|楼道|楼里|屋里|家里|房子|厨房|车)\S{0,3}冒烟",
    ),
    (FIRE, "gas leak", r"(?:煤气|燃气|天然气)泄漏|闻到(?:很浓的)?(?:煤气|燃气)味"),
    (
        AMBULANCE,
        "injury",
        r"受伤|流血|出血不止|昏迷|晕倒|昏倒|不省人事|休克|抽搐|骨折|没有呼吸|没了呼吸|心脏骤停|心脏病发|中毒|生命危险|快不行了|割腕|喝农药",
    ),
    (
        POLICE,
        "crime",
        r"抢劫|抢东西|打架|斗殴|群殴|持刀|拿刀|砍人|捅人|杀人|行凶|绑架|劫持|强奸|家暴|(?<!拨)打人|入室盗窃|正在偷|小偷正在|有人撬门|拐卖|持枪|开枪|枪击|拿着枪|有枪",
    ),
    (POLICE, "self-harm", r"跳楼(?!机)|轻生|自杀"),
    (TRAFFIC, "traffic accident", r"车祸|交通事故|撞车|追尾|被车撞|撞人|撞倒|翻车|连环撞"),
    # English (311 cities, foreigners calling 12345)
    (FIRE, "fire", r"\b(?:fire|on fire|burning|smoke coming|explosion|gas leak|smell(?:s)? of gas)\b"),
    (
        AMBULANCE,
        "injury",
        r"\b(?:injur(?:ed|y|ies)|bleeding|unconscious|not breathing|heart attack|overdose|collapsed|seizure)\b",
    ),
    (
        POLICE,
        "crime",
        r"\b(?:robbery|robbed|mugg(?:ed|ing)|fight(?:ing)?|stabb(?:ed|ing)|knife|gun|shoot(?:ing)?|assault(?:ed)?|break-?in|burglary in progress|kidnapp(?:ed|ing)|domestic violence)\b",
    ),
    (
        TRAFFIC,
        "traffic accident",
        r"\b(?:car (?:crash|accident)|traffic accident|collision|hit by a (?:car|bus|truck)|crashed)\b",
    ),
]
_COMPILED: Final = [(service, what, re.compile(pattern, re.IGNORECASE)) for service, what, pattern in _RULES]

# A negation shortly before a match cancels it.
_NEGATION_BEFORE: Final = re.compile(
    r"(?:不是|并非|并不是|没有|没|未|无|无人|没人|没有人|不存在|不算|排除|谈不上|不属于|防止|预防|避免|以免|"
    r"一旦|万一|如果|假如|若是|要是|可能|容易|以防|慢性|心在|"
    r"\bno\b|\bnot\b|\bnobody\b|\bno one\b|\bwithout\b|\bisn't\b|\bwasn't\b|\bnever\b)[^，。,.;；!?！？]{0,4}$",
    re.IGNORECASE,
)
# Words right after a match that make it a non-emergency (a hazard, a claim, an alarm that works).
_HARMLESS_AFTER: Final = re.compile(
    r"^[^，。,.;；!?！？]{0,2}(?:隐患|演练|报警器|预防|安全检查|宣传|通道|风险|赔偿|鉴定|认定|保险|频发|流汗|后|"
    r"hazard|drill|alarm|safety|insurance)",
    re.IGNORECASE,
)
# Words anywhere in the same clause that show the emergency is over or is about paperwork.
_HARMLESS_CLAUSE: Final = re.compile(
    r"工伤|赔偿|理赔|保险公司|医药费|医疗费|报销|鉴定|认定|已经扑灭|已扑灭|已经灭了|去年|上个月|几年前|以前|曾经|当时|"
    r"隐患|演练|消防通道|频发|经常|多次|"
    r"消防设施|灭火器|\b(?:last (?:year|month|week)|years ago|hazard|drill|insurance|claim)\b",
    re.IGNORECASE,
)
_CLAUSE_SPLIT: Final = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True, slots=True)
class EmergencyMatch:
    """A recognised emergency: the service to hand off to, what it looks like, and the words."""

    service: str
    what: str
    evidence: str

    def reason(self, lang: str = "zh") -> str:
        name = SERVICE_NAMES[self.service][1 if lang == "en" else 0]
        if lang == "en":
            return f"Looks like an emergency ({self.what}: “{self.evidence}”): hand off to {name}"
        return f"疑似紧急情况（文中出现“{self.evidence}”），请转 {name}"


@dataclass(frozen=True, slots=True)
class EmergencyResult:
    """All services a request seems to belong to, the first being the one to call first."""

    matches: tuple[EmergencyMatch, ...]

    @property
    def service(self) -> str | None:
        return self.matches[0].service if self.matches else None

    @property
    def services(self) -> list[str]:
        return list(dict.fromkeys(m.service for m in self.matches))

    def __bool__(self) -> bool:
        return bool(self.matches)


# Which service goes first when several match: a burning building before the injured in it;
# a traffic accident with injuries goes to 122 (which brings 120).
_PRIORITY: Final = {FIRE: 0, TRAFFIC: 1, POLICE: 2, AMBULANCE: 3}


def recognise(text: str | None) -> EmergencyResult:
    """The emergency services ``text`` belongs to (empty when none); never raises."""
    if not text or not text.strip():
        return EmergencyResult(())
    folded = fold(text)  # NFKC, lower case, traditional → simplified (著火 stays: matched as is)
    found: dict[str, EmergencyMatch] = {}
    for clause in _CLAUSE_SPLIT.split(folded):
        if not clause.strip() or _HARMLESS_CLAUSE.search(clause):
            continue
        for service, what, pattern in _COMPILED:
            for match in pattern.finditer(clause):
                before = clause[max(0, match.start() - 8) : match.start()]
                after = clause[match.end() : match.end() + 8]
                if (
                    _NEGATION_BEFORE.search(before)
                    or before.endswith(("不", "没", "未"))  # 打不着火: the stove will not light
                    or _HARMLESS_AFTER.search(after)
                ):
                    continue
                found.setdefault(service, EmergencyMatch(service, what, match.group(0)))
                break
    ordered = sorted(found.values(), key=lambda m: _PRIORITY[m.service])
    return EmergencyResult(tuple(ordered))
