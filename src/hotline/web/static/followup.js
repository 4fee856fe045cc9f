// The follow-up script's one-key answers: 1, 2, 3 answer the question in hand and move to the
// next; Enter records once all three are answered. Without scripts the radio buttons work alone.
(function () {
  "use strict";
  var form = document.getElementById("answers");
  if (!form) return;
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));

  function answered(q) { return q.querySelector("input:checked") !== null; }
  function current() {
    var active = document.activeElement;
    for (var i = 0; i < questions.length; i++) {
      if (questions[i].contains(active)) return i;
    }
    for (var j = 0; j < questions.length; j++) {
      if (!answered(questions[j])) return j;
    }
    return -1;
  }
  function mark() {
    var at = current();
    for (var i = 0; i < questions.length; i++) questions[i].classList.toggle("current", i === at);
  }

  document.addEventListener("keydown", function (ev) {
    var el = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || (el.tagName === "INPUT" && el.type === "text"))) return;
    if (ev.key === "Enter") {
      if (el && el.tagName === "BUTTON") return;
      if (questions.every(answered)) { ev.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (!/^[1-3]$/.test(ev.key)) return;
    var at = current();
    if (at < 0) return;
    var pick = questions[at].querySelector('input[value="' + ev.key + '"]');
    if (!pick) return;
    ev.preventDefault();
    pick.checked = true;
    var next = questions[at + 1];
    var focus = next ? (next.querySelector("input:checked") || next.querySelector("input")) : form.querySelector("button[type=submit]");
    focus.focus();
    mark();
  });
  form.addEventListener("change", mark);
  document.addEventListener("focusin", mark);
  mark();
})();
