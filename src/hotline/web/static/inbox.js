// The inbox's "select all": shown only when scripts run (the form works without it), it ticks
// every assignment that can be acknowledged, and follows the table when htmx swaps it.
(function () {
  "use strict";
  function wire() {
    var all = document.querySelector("#inbox .pick-all");
    if (!all) return;
    var picks = document.querySelectorAll("#inbox input[name=pick]");
    if (picks.length === 0) return;
    all.hidden = false;
    all.addEventListener("change", function () {
      for (var i = 0; i < picks.length; i++) picks[i].checked = all.checked;
    });
  }
  wire();
  document.addEventListener("htmx:afterSwap", wire);
})();
