// Live countdowns: every element with data-due (an ISO timestamp from the server) shows the time
// left, or how long it is overdue, ticking once a second. The server's clock travels with the page
// (body[data-server-now]) so a browser whose clock is off still counts from the server's time.
// The words come from the page (body data-clock-*), never from this file.
(function () {
  "use strict";
  var body = document.body;
  var offset = 0;
  var serverNow = Date.parse(body.getAttribute("data-server-now") || "");
  if (!isNaN(serverNow)) offset = serverNow - Date.now();
  var words = {
    left: body.getAttribute("data-clock-left") || "",
    overdue: body.getAttribute("data-clock-overdue") || "",
    days: body.getAttribute("data-clock-days") || "d",
  };

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function span(seconds) {
    var s = Math.abs(seconds);
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var text = pad(h) + ":" + pad(m) + ":" + pad(s % 60);
    return d > 0 ? d + words.days + " " + text : text;
  }

  function tick() {
    var now = Date.now() + offset;
    var clocks = document.querySelectorAll("[data-due]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) continue;
      var warn = Date.parse(el.getAttribute("data-warn") || "");
      var left = Math.floor((due - now) / 1000);
      var state = left < 0 ? "overdue" : !isNaN(warn) && now >= warn ? "warning" : "on_time";
      el.textContent = left < 0 ? words.overdue + " " + span(left) : words.left + " " + span(left);
      el.classList.remove("on_time", "warning", "overdue");
      el.classList.add(state);
      el.setAttribute("data-state", state);
      var row = el.closest("tr");
      if (row) {
        row.classList.remove("on_time", "warning", "overdue");
        row.classList.add(state);
      }
    }
  }

  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
