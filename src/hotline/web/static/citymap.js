// The city map, drawn with ECharts from the platform's own GeoJSON (no tiles, nothing from the
// internet). Reusable: HotlineCityMap.mount(element, geojsonUrl, onPick) draws the districts and
// streets of the directory into `element`; a click calls onPick({lon, lat}) with the point and
// marks it. Returns {setPoint(lon, lat), clear()}. Needs /static/vendor/echarts/echarts.min.js.
// Optional `opts` (the portal): {center: [lon, lat], zoom: n} to open on a place, and
// {marks: [{lon, lat, name}]} for other requests drawn as dots, {circle: {lon, lat, radius}} (metres)
// for the area searched; without onPick the map only shows.
(function () {
  "use strict";
  var FILL = ["#eef3f8", "#f4f1e8", "#eef6ee", "#f6eef2", "#eeeef8", "#f8f3ea"];

  // the zoom at which about `span` metres of the city fill the map's width
  function zoomFor(geojson, span) {
    var west = Infinity, east = -Infinity, north = -Infinity, south = Infinity;
    geojson.features.forEach(function (f) {
      f.geometry.coordinates[0].forEach(function (c) {
        west = Math.min(west, c[0]); east = Math.max(east, c[0]);
        south = Math.min(south, c[1]); north = Math.max(north, c[1]);
      });
    });
    var mid = ((north + south) / 2) * Math.PI / 180;
    var wide = Math.max((east - west) * Math.cos(mid), north - south) * 111195;
    return Math.max(1, wide / span);
  }

  // a circle of `radius` metres around [lon, lat], as a closed line of 64 points
  function circle(c) {
    var out = [];
    var dLat = c.radius / 111195;
    var dLon = dLat / Math.cos(c.lat * Math.PI / 180);
    for (var i = 0; i <= 64; i++) {
      var a = (i / 64) * 2 * Math.PI;
      out.push([c.lon + dLon * Math.cos(a), c.lat + dLat * Math.sin(a)]);
    }
    return out;
  }

  function mount(element, url, onPick, opts) {
    opts = opts || {};
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
      var geo = {
        map: "hotline-city",
        roam: true,
        silent: true,
        layoutCenter: ["50%", "50%"],
        layoutSize: "96%",
        label: { show: false },
        regions: regions,
      };
      if (opts.center) {
        geo.center = opts.center;
        geo.zoom = opts.zoom || zoomFor(geojson, opts.span || 2000);
        geo.aspectScale = Math.cos(opts.center[1] * Math.PI / 180); // true distances: a circle is round
      }
      return {
        animation: false,
        geo: geo,
        series: [
          {
            type: "scatter",
            coordinateSystem: "geo",
            silent: true,
            symbolSize: 0,
            // zoomed in on a place (the portal), the streets' names tell where it is
            data: opts.center ? labels.filter(function (l) { return !l.district; }) : [],
            label: { show: true, formatter: "{b}", color: "#52606d", fontSize: 12 },
          },
          {
            type: "lines",
            coordinateSystem: "geo",
            silent: true,
            polyline: true,
            lineStyle: { color: "#1d4ed8", width: 1.5, type: "dashed", opacity: 0.7 },
            data: opts.circle ? [{ coords: circle(opts.circle) }] : [],
          },
          {
            id: "marks",
            type: "scatter",
            z: 3, // over the pin: a request a few metres north is not hidden by it
            coordinateSystem: "geo",
            silent: true,
            symbol: "circle",
            symbolSize: 14,
            itemStyle: { color: "#1d4ed8", borderColor: "#fff", borderWidth: 2 },
            label: { show: true, position: "top", formatter: "{b}", color: "#1d4ed8", fontWeight: "bold" },
            data: (opts.marks || []).map(function (m) { return { name: m.name || "", value: [m.lon, m.lat] }; }),
          },
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
        if (onPick) chart.getZr().on("click", function (e) {
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
