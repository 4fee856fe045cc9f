// The rankings page's charts: one horizontal bar chart of composite scores per peer group, drawn
// with the vendored ECharts from the JSON the server put in #as-chart-data (no inline script).
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("as-chart-data");
    if (!data || !window.echarts) return;
    var groups = JSON.parse(data.textContent || "{}");
    document.querySelectorAll(".as-chart").forEach(function (el) {
      var rows = (groups[el.getAttribute("data-group")] || []).slice().reverse();
      el.style.height = Math.max(120, 56 + rows.length * 40) + "px"; // the bars, not empty space
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { width: 150, overflow: "truncate" } },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v.toFixed(1) + "%"; } },
        series: [{
          name: el.getAttribute("data-label"),
          type: "bar",
          data: rows.map(function (r) {
            return { value: +(r.score * 100).toFixed(1), itemStyle: { color: r.bottom ? "#b45309" : "#334e68" } };
          }),
          label: { show: true, position: "right", formatter: "{c}%" },
          barMaxWidth: 18
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
