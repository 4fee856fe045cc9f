// Track a request by its code: GET /api/v1/track/{code}, shown as a timeline. No framework, no CDN.
// The page's language (<html lang>, chosen by the server) decides both these labels and the
// language the API answers in, so a page never mixes the two.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "en" ? "en" : "zh";
  var WORDS = {
    zh: { looking: "查询中…", failed: "查询失败", unit: "承办单位：", answer: "答复：", network: "网络错误，请稍后再试" },
    en: { looking: "Looking up…", failed: "Lookup failed", unit: "Handled by: ", answer: "Reply: ", network: "Network error; please try again later" }
  }[lang];
  var form = document.getElementById("track");
  var result = document.getElementById("result");
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;  // textContent: never interpreted as HTML
    if (cls) e.className = cls;
    return e;
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var code = document.getElementById("code").value.trim();
    result.replaceChildren(el("p", WORDS.looking));
    fetch("/api/v1/track/" + encodeURIComponent(code) + "?lang=" + lang)
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        result.replaceChildren();
        if (!res.ok) { result.appendChild(el("p", res.body.title || WORDS.failed, "error")); return; }
        var t = res.body;
        var head = el("p");
        head.appendChild(el("span", t.kind_label + " · "));
        head.appendChild(el("span", t.status_label, "status"));
        if (t.responsible_unit) head.appendChild(el("span", " · " + WORDS.unit + t.responsible_unit));
        result.appendChild(head);
        if (t.answer) result.appendChild(el("p", WORDS.answer + t.answer, "answer"));
        var list = el("ol", undefined, "timeline");
        t.timeline.forEach(function (step) {
          var li = el("li");
          li.appendChild(el("time", step.at.replace("T", " ").slice(0, 16)));
          li.appendChild(el("span", step.description));
          list.appendChild(li);
        });
        result.appendChild(list);
      })
      .catch(function () { result.replaceChildren(el("p", WORDS.network, "error")); });
  });
})();
