// The city map, drawn with ECharts from the platform's own GeoJSON (no tiles, nothing from the
// internet). Reusable: HotlineCityMap.mount(element, geojsonUrl, onPick) draws the districts and
// streets of the directory into `element`; a click calls onPick({lon, lat}) with the point and
// marks it. Returns {setPoint(lon, lat), clear()}. Needs /static/vendor/echarts/echarts.min.js.
(function () {
  "use strict";
  var FILL = ["#eef3f8", "#f4f1e8", "#eef6ee", "#f6eef2", "#eeeef8", "#f8f3ea"];

  function mount(element, url, onPick) {
    var chart = null;
    var point = null;
    var pointLabel = element.getAttribute("data-point-label") || "";

    function option(geojson) {
      var regions = [];
      var labels = [];
      var districtColour = {};
      var districts = 0;
      geojson.features.forEach(function (f) {
        var p = f.properties;
        if (p.level === 0) {
          districtColour[p.id] = FILL[districts % FILL.length];
          districts += 1;
        }
      });
      geojson.features.forEach(function (f) {
        var p = f.properties;
        if (p.level === 0) {
          regions.push({ name: String(p.id), itemStyle: { areaColor: "rgba(0,0,0,0)", borderColor: "#334e68", borderWidth: 2.2 } });
          labels.push({ name: p.label || p.name, value: p.label_at.concat([0]), district: true });
        } else {
          regions.push({ name: String(p.id), itemStyle: { areaColor: districtColour[p.parent_id] || FILL[0], borderColor: "#9fb3c8", borderWidth: 0.8 } });
          labels.push({ name: p.label || p.name, value: p.label_at.concat([1]), district: false });
        }
      });
      return {
        animation: false,
        geo: {
          map: "hotline-city",
          roam: true,
          silent: true,
          layoutCenter: ["50%", "50%"],
          layoutSize: "96%",
          label: { show: false },
          regions: regions,
        },
        series: [
          {
            type: "scatter",
            coordinateSystem: "geo",
            silent: true,
            symbolSize: 0,
            data: labels.filter(function (l) { return l.district; }),
            label: { show: true, formatter: "{b}", color: "#1f2933", fontSize: 12, fontWeight: "bold" },
          },
          {
            id: "picked",
            type: "scatter",
            coordinateSystem: "geo",
            silent: true,
            symbol: "pin",
            symbolSize: 30,
            itemStyle: { color: "#9b1c1c" },
            label: { show: true, position: "right", formatter: pointLabel, color: "#9b1c1c", fontWeight: "bold" },
            data: [],
          },
        ],
      };
    }

    function draw() {
      if (!chart) return;
      chart.setOption({ series: [{ id: "picked", data: point ? [point] : [] }] });
    }

    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (geojson) {
        if (!window.echarts || !geojson.features || geojson.features.length === 0) return;
        // regions are keyed by unit id (names may repeat across districts)
        window.echarts.registerMap("hotline-city", {
          type: "FeatureCollection",
          features: geojson.features.map(function (f) {
            return { type: "Feature", geometry: f.geometry, properties: { name: String(f.properties.id) } };
          }),
        });
        chart = window.echarts.init(element, null, { renderer: "canvas" });
        chart.setOption(option(geojson));
        chart.getZr().on("click", function (e) {
          var at = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
          if (!at || !isFinite(at[0]) || !isFinite(at[1])) return;
          var lon = Math.round(at[0] * 1e6) / 1e6;
          var lat = Math.round(at[1] * 1e6) / 1e6;
          point = [lon, lat];
          draw();
          if (onPick) onPick({ lon: lon, lat: lat });
        });
        window.addEventListener("resize", function () { chart.resize(); });
        draw();
      })
      .catch(function () { /* no map: the address field still locates the request */ });

    return {
      setPoint: function (lon, lat) { point = [lon, lat]; draw(); },
      clear: function () { point = null; draw(); },
    };
  }

  window.HotlineCityMap = { mount: mount };
})();
