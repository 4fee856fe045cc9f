// The operator's workbench: the handling-time clock (an Alpine component, CSP build), keyboard
// shortcuts for the whole common path, "insert this answer", Enter that never submits by
// accident, and the city map (citymap.js) filling the hidden point fields.
(function () {
  "use strict";

  // -- the handling time: from the operator's first keystroke to the submit ------------------
  document.addEventListener("alpine:init", function () {
    window.Alpine.data("intakeClock", function () {
      return {
        startedAt: 0,
        seconds: 0,
        sent: "",
        timer: null,
        base: 0,
        init: function () {
          // a form sent back for a correction goes on counting from where it was
          this.base = parseInt(this.$el.getAttribute("data-counted"), 10) || 0;
          if (this.base) this.start();
        },
        start: function () {
          if (this.startedAt) return;
          this.startedAt = Date.now();
          var self = this;
          this.timer = setInterval(function () { self.tick(); }, 1000);
          this.tick();
        },
        tick: function () {
          this.seconds = this.base + Math.floor((Date.now() - this.startedAt) / 1000);
          this.sent = String(this.seconds);
        },
        get label() {
          if (!this.startedAt) return "—";
          var m = Math.floor(this.seconds / 60);
          var s = this.seconds % 60;
          return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
        },
      };
    });
  });

  function form() { return document.getElementById("workbench"); }

  function press(selector) {
    var button = form().querySelector(selector);
    if (!button || button.disabled) return false;
    form().requestSubmit(button);
    return true;
  }

  function focusField(id) {
    var el = document.getElementById(id);
    if (el) { el.focus(); if (el.select && el.tagName === "INPUT") el.select(); }
  }

  function pickRoute(step) {
    var radios = Array.prototype.filter.call(
      form().querySelectorAll("input[name=route]"), function (r) { return !r.disabled; });
    if (radios.length === 0) return;
    var at = radios.findIndex(function (r) { return r.checked; });
    var next = radios[(at + step + radios.length) % radios.length];
    next.checked = true;
    next.focus();
    markPicked();
  }

  function markPicked() {
    form().querySelectorAll("li.route").forEach(function (li) {
      var radio = li.querySelector("input[name=route]");
      li.classList.toggle("picked", !!(radio && radio.checked));
    });
  }

  function insertAnswer(button) {
    var source = document.getElementById(button.getAttribute("data-insert"));
    var answer = document.getElementById("answer");
    if (!source || !answer) return;
    answer.value = source.textContent.trim();
    answer.dispatchEvent(new Event("input", { bubbles: true }));
    answer.focus();
  }

  document.addEventListener("keydown", function (e) {
    if (!form()) return;
    if (e.key === "Enter" && !e.altKey && e.target.tagName === "INPUT" && e.target.form === form()) {
      e.preventDefault(); // Enter in a field never submits by accident: Alt+Enter dispatches
      if (e.target.id === "citizen_phone") e.target.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    var key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    var done = true;
    switch (key) {
      case "1": focusField("citizen_phone"); break;
      case "2": focusField("content"); break;
      case "3": focusField("address"); break;
      case "ArrowDown": pickRoute(1); break;
      case "ArrowUp": pickRoute(-1); break;
      case "Enter": done = press('button.primary[value="dispatch"]'); break;
      case "s": done = press('button[value="save"]'); break;
      case "a": done = press('button[value="answer"]'); break;
      case "m": done = press('button[name="merge_into"][data-key="m"]'); break;
      case "h": done = press('button[name="service"][data-key="h"]'); break;
      case "i": {
        var insert = form().querySelector('button.insert[data-key="i"]');
        if (insert) insertAnswer(insert); else done = false;
        break;
      }
      default: done = false;
    }
    if (done) e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button.insert");
    if (button) insertAnswer(button);
  });
  document.addEventListener("change", function (e) {
    if (e.target.name === "route") markPicked();
  });
  // "insert" buttons need scripts: shown only where they work
  function reveal() {
    document.querySelectorAll("button.insert[hidden]").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("htmx:afterSwap", reveal);

  // -- the city map --------------------------------------------------------------------------
  function mountMap() {
    var el = document.getElementById("citymap");
    if (!el || !window.HotlineCityMap) return;
    var shown = document.getElementById("point-shown");
    var template = shown ? shown.getAttribute("data-template") : "";
    var map = window.HotlineCityMap.mount(el, el.getAttribute("data-geojson"), function (p) {
      document.getElementById("latitude").value = p.lat;
      document.getElementById("longitude").value = p.lon;
      if (shown) shown.textContent = (template || "{name}").replace("{name}", p.lat + ", " + p.lon);
      document.body.dispatchEvent(new CustomEvent("pick")); // the suggestions follow the point
    });
    var lat = parseFloat(document.getElementById("latitude").value);
    var lon = parseFloat(document.getElementById("longitude").value);
    if (isFinite(lat) && isFinite(lon)) map.setPoint(lon, lat);
  }

  function ready() {
    reveal();
    mountMap();
    var first = document.getElementById("citizen_phone");
    if (first && !document.querySelector("[aria-invalid=true]")) first.focus();
    var invalid = document.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
