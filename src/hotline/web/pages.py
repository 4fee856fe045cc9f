"""The pages people open in a browser: the home page, in the reader's language, with the demo's
login shown only when the demo city is on. Scripts come from files (no inline script)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hotline.web.errors import request_lang

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

# The page's words. Chinese pages carry the English beside the headings for visitors; English
# pages are English only.
HOME_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "12345 政务服务便民热线 · Hotline",
        "heading": "12345 政务服务便民热线",
        "motto": "一号对外 · 统一受理 · 接诉即办 — Hotline platform",
        "other_language": "English",
        "portal_heading": "网上诉求 Online requests",
        "portal_link": "提交诉求、查询办理进度（手机可用）— submit or follow a request",
        "track_heading": "诉求查询 Track your request",
        "code_label": "查询码 tracking code",
        "code_placeholder": "例如 PJHNWQ8SKC",
        "track_button": "查询 Track",
        "staff_heading": "工作人员 Staff",
        "docs_link": "接口文档（可离线使用）API documentation, works offline",
        "demo_login": "演示账号",
        "demo_more": "全部演示用户见",
    },
    "en": {
        "title": "12345 Government Service Hotline · Hotline",
        "heading": "12345 Government Service Hotline",
        "motto": "One number · one door for every request · handled on receipt",
        "other_language": "中文",
        "portal_heading": "Online requests",
        "portal_link": "Submit a request, or follow one (works on a phone)",
        "track_heading": "Track your request",
        "code_label": "Tracking code",
        "code_placeholder": "e.g. PJHNWQ8SKC",
        "track_button": "Track",
        "staff_heading": "Staff",
        "docs_link": "API documentation (works offline)",
        "demo_login": "Demo login",
        "demo_more": "every demo user is in",
    },
}


def install(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        lang = request_lang(request)
        return templates.TemplateResponse(
            request,
            "home.html",
            {
                "t": HOME_TEXT[lang],
                "html_lang": "en" if lang == "en" else "zh-CN",
                "other_lang": "zh" if lang == "en" else "en",
                "demo": request.app.state.settings.demo,
            },
        )
