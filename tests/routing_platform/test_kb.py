"""The knowledge base: Chinese full-text search, duties from the directory, answers, and
administrators' edits — on SQLite and PostgreSQL alike."""

from __future__ import annotations

from tests.integration.api import Api


def search(api: Api, q: str, user: str = "operator1", **params: object) -> dict:  # type: ignore[type-arg]
    return api.get(user, "/api/v1/kb/search", params={"q": q, **params})  # type: ignore[no-any-return]


def titles(result: dict) -> list[str]:  # type: ignore[type-arg]
    return [hit["article"]["title"] for hit in result["results"]]


def test_every_unit_has_its_duty_list_in_the_kb(api: Api) -> None:
    page = api.get("operator1", "/api/v1/kb/articles", params={"kind": "duty", "limit": 200})
    assert page["total"] == 86
    urban = next(a for a in page["items"] if a["unit"] and a["unit"]["name"] == "海滨市城市管理局")
    assert urban["kind_label"] == "职责清单" and "负责城市道路照明（路灯）设施的建设和维护" in urban["body"]


def test_a_short_query_finds_an_article_that_contains_it(api: Api) -> None:
    created = api.post(
        "admin",
        "/api/v1/kb/articles",
        {
            "title": "路灯不亮了怎么办",
            "body": "可拨打12345反映，由市城市管理局安排维修。",
            "keywords": ["路灯"],
        },
        expect=201,
    )
    result = search(api, "路灯")
    assert "路灯不亮了怎么办" in titles(result)
    hit = next(h for h in result["results"] if h["article"]["id"] == created["id"])
    assert hit["matched"] == ["路灯"]


def test_a_phrase_finds_the_street_light_duty(api: Api) -> None:
    result = search(api, "路灯不亮", kind="duty")
    top = result["results"][0]
    assert top["article"]["unit"]["name"] == "海滨市城市管理局"
    assert top["best_line"] == "负责城市道路照明（路灯）设施的建设和维护"


def test_consultation_answers_rank_first_for_their_question(api: Api) -> None:
    assert titles(search(api, "社保卡丢了怎么补办", kind="answer"))[0] == "社保卡丢失了怎么补办？"
    assert titles(search(api, "租房提取公积金", kind="answer"))[0] == "租房可以提取住房公积金吗？"
    assert titles(search(api, "外地人办居住证"))[0] == "外地人怎么办理居住证？"


def test_traditional_characters_find_simplified_articles(api: Api) -> None:
    assert titles(search(api, "社保卡補辦", kind="answer"))[0] == "社保卡丢失了怎么补办？"


def test_queries_without_words_get_a_clear_empty_answer(api: Api) -> None:
    for q in ("🙂🙂", "！？。", "   "):
        result = search(api, q)
        assert result["results"] == [] and "没有可检索的文字" in result["note"]
    assert "no words" in api.get("operator1", "/api/v1/kb/search", params={"q": "🙂", "lang": "en"})["note"]
    assert search(api, "zzqqxx")["results"] == []


def test_a_query_longer_than_allowed_is_refused_naming_the_field(api: Api) -> None:
    problem = api.get("operator1", "/api/v1/kb/search", params={"q": "路灯" * 1500}, expect=422)
    assert problem["errors"][0]["field"] == "q"


def test_only_administrators_write_and_edits_are_searchable_at_once(api: Api) -> None:
    body = {"title": "犬只免疫怎么做", "body": "狂犬病疫苗每年接种一次。", "category_code": "safety.dogs"}
    problem = api.post("operator1", "/api/v1/kb/articles", body, expect=403)
    assert problem["code"] == "permission.role"
    article = api.post("admin", "/api/v1/kb/articles", body, expect=201)
    assert article["category"] == {"code": "safety.dogs", "name": "养犬管理"}
    assert titles(search(api, "狂犬病疫苗"))[0] == "犬只免疫怎么做"

    api.call("PATCH", "admin", f"/api/v1/kb/articles/{article['id']}", {"body": "宠物犬每年须接种兽用疫苗。"})
    assert "犬只免疫怎么做" not in titles(search(api, "狂犬病"))
    assert titles(search(api, "兽用疫苗"))[0] == "犬只免疫怎么做"

    api.call("DELETE", "admin", f"/api/v1/kb/articles/{article['id']}", expect=204)
    assert "犬只免疫怎么做" not in titles(search(api, "兽用疫苗"))
    assert (
        api.get("operator1", f"/api/v1/kb/articles/{article['id']}", expect=404)["code"]
        == "kb.article_not_found"
    )


def test_unknown_references_are_refused(api: Api) -> None:
    body = {"title": "x说明", "body": "说明文字", "category_code": "no.such"}
    assert api.post("admin", "/api/v1/kb/articles", body, expect=422)["errors"][0]["field"] == "category_code"
    body = {"title": "x说明", "body": "说明文字", "unit_id": 999_999}
    assert api.post("admin", "/api/v1/kb/articles", body, expect=422)["errors"][0]["field"] == "unit_id"


def test_an_edited_duty_list_is_kept_when_duties_are_synced_again(api: Api) -> None:
    from hotline.kb import service as kb

    page = api.get("operator1", "/api/v1/kb/articles", params={"kind": "duty", "limit": 200})
    power = next(a for a in page["items"] if a["unit"] and a["unit"]["name"] == "海滨供电有限责任公司")
    edited = power["body"] + "\n负责充电桩接电业务的受理"
    api.call("PATCH", "admin", f"/api/v1/kb/articles/{power['id']}", {"body": edited})
    with api.p.db.write() as s:
        counts = kb.sync_duties(s, api.p.clock())
    assert counts == {"created": 0, "updated": 0, "retired": 0}
    assert api.get("operator1", f"/api/v1/kb/articles/{power['id']}")["body"] == edited
    assert search(api, "充电桩接电", kind="duty")["results"][0]["article"]["id"] == power["id"]
