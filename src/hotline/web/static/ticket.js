// The ticket page's forms over htmx. Without scripts every form posts and the server redirects
// (303) back to the page, so this file only makes it quicker: the answer to an htmx POST is the
// ticket's part of the page (#ticket-main) — refreshed actions and timeline after a success, the
// form again with the API's message after a refusal (403/409/422: htmx leaves 4xx alone unless
// told, so it is told here), and htmx focuses the field the server marked `autofocus`.
(function () {
  "use strict";
  var OURS = 'id="ticket-main"';

  function inTicket(elt) {
    return !!(elt && elt.closest && elt.closest("#ticket-main"));
  }

  function problemText(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      return body.detail || body.title || null;
    } catch (e) {
      return null;
    }
  }

  // A refusal the page cannot show in place (a body over the size limit, a lost connection):
  // said at the top; nothing on the page changes.
  function failed(text) {
    var main = document.getElementById("ticket-main");
    if (!main) return;
    var flash = main.querySelector(".flash");
    var p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = text || main.getAttribute("data-failed");
    flash.replaceChildren(p);
    flash.focus();
  }

  document.addEventListener("htmx:beforeSwap", function (evt) {
    var d = evt.detail;
    if (!inTicket(d.elt)) return;
    var ours = typeof d.serverResponse === "string" && d.serverResponse.indexOf(OURS) >= 0;
    if (ours) {
      d.shouldSwap = true;
      d.isError = false;
    } else if (d.xhr.status >= 400) {
      d.shouldSwap = false;
      failed(problemText(d.xhr));
    } else {
      // another page (the session ended: the login form): show it whole
      d.shouldSwap = false;
      window.location.assign(d.xhr.responseURL || window.location.href);
    }
  });

  document.addEventListener("htmx:sendError", function (evt) {
    if (inTicket(evt.detail.elt)) failed(null);
  });

  // After a swap: the field marked autofocus has the focus (htmx does that); otherwise (a
  // success) the message at the top takes it, so a screen reader says what was done.
  document.addEventListener("htmx:load", function (evt) {
    var main = evt.detail.elt;
    if (!main || main.id !== "ticket-main") return;
    window.setTimeout(function () {
      if (main.contains(document.activeElement)) return;
      var flash = main.querySelector(".flash");
      if (flash) flash.focus();
    }, 0);
  });
})();
