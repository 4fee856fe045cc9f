// The citizen portal's enhancements; every form also works without them.
// - "Use my phone's position": the browser's Geolocation API (WGS-84), asked only on a tap.
// - The city map (ECharts over the city's own polygons, no tiles) is loaded only when wanted:
//   "pick on the map" on the form, or when a request's place map scrolls into view (phones pay
//   for ECharts' megabyte only then).
// - Photos are shrunk on the phone (canvas, longest side 1600 px, JPEG) before they are sent, so a
//   slow connection carries a few hundred kilobytes instead of several megabytes.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.85;

  function locate() {
    var button = document.getElementById("locate");
    var said = document.getElementById("located");
    var lat = document.getElementById("latitude");
    var lon = document.getElementById("longitude");
    var datum = document.getElementById("datum");
    if (!button || !lat || !lon || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      said.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          lat.value = pos.coords.latitude.toFixed(7);
          lon.value = pos.coords.longitude.toFixed(7);
          if (datum) datum.value = "wgs84"; // the phone's own position is WGS-84
          said.textContent = button.dataset.located.replace("{n}", String(Math.round(pos.coords.accuracy)));
        },
        function () {
          said.textContent = button.dataset.failed;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  var mapScripts = null;
  function loadMap() {
    if (mapScripts) return mapScripts;
    function script(src) {
      return new Promise(function (resolve, reject) {
        var el = document.createElement("script");
        el.src = src;
        el.onload = resolve;
        el.onerror = reject;
        document.head.appendChild(el);
      });
    }
    mapScripts = (window.echarts ? Promise.resolve() : script("/static/vendor/echarts/echarts.min.js"))
      .then(function () { return window.HotlineCityMap ? null : script("/static/citymap.js"); });
    return mapScripts;
  }

  function pickOnMap() {
    var button = document.getElementById("pick-map");
    var box = document.getElementById("pickmap");
    var said = document.getElementById("located");
    var lat = document.getElementById("latitude");
    var lon = document.getElementById("longitude");
    var datum = document.getElementById("datum");
    if (!button || !box || !lat || !lon) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.hidden = true;
      box.hidden = false;
      said.textContent = button.dataset.loading;
      loadMap().then(function () {
        var have = parseFloat(lat.value), haveLon = parseFloat(lon.value);
        var known = isFinite(have) && isFinite(haveLon) && (!datum || datum.value === "wgs84");
        var map = window.HotlineCityMap.mount(box, box.dataset.geojson, function (p) {
          lat.value = p.lat.toFixed(6);
          lon.value = p.lon.toFixed(6);
          if (datum) datum.value = "wgs84"; // the map is drawn in WGS-84, like the city's polygons
          said.textContent = button.dataset.picked.replace("{lat}", lat.value).replace("{lon}", lon.value);
        }, known ? { center: [haveLon, have], span: 3000 } : {});
        if (known) map.setPoint(haveLon, have);
        said.textContent = button.dataset.hint;
        if (box.scrollIntoView) box.scrollIntoView({ block: "nearest" }); // the whole map in sight
      }, function () { said.textContent = button.dataset.failed; box.hidden = true; });
    });
  }

  function placeMaps() {
    Array.prototype.forEach.call(document.querySelectorAll(".placemap[data-lat]"), function (box) {
      var lat = parseFloat(box.dataset.lat), lon = parseFloat(box.dataset.lon);
      var marks = [];
      var data = box.dataset.marks && document.getElementById(box.dataset.marks);
      if (data) marks = JSON.parse(data.textContent);
      function draw() {
        loadMap().then(function () {
          var map = window.HotlineCityMap.mount(box, box.dataset.geojson, null, {
            center: [lon, lat], span: parseFloat(box.dataset.span || "2000"), marks: marks,
            circle: box.dataset.radius ? { lon: lon, lat: lat, radius: parseFloat(box.dataset.radius) } : null,
          });
          map.setPoint(lon, lat);
        });
      }
      if (!("IntersectionObserver" in window)) return draw();
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); draw(); }
      }, { rootMargin: "200px" });
      seen.observe(box);
    });
  }

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\//.test(file.type) || typeof createImageBitmap !== "function") return resolve(file);
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          // already within bounds and smaller as it is: keep the original
          if (!blob || (scale === 1 && blob.size >= file.size)) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      }, function () { resolve(file); }); // not decodable here: the server will say why
    });
  }

  function photos(input) {
    var form = input.form;
    var said = form.querySelector("#photos-ready");
    var pending = null;
    input.addEventListener("change", function () {
      var max = parseInt(input.dataset.max || "3", 10);
      var files = Array.prototype.slice.call(input.files, 0, max);
      pending = Promise.all(files.map(shrink)).then(function (small) {
        if (typeof DataTransfer === "function") {
          var dt = new DataTransfer();
          small.forEach(function (f) { dt.items.add(f); });
          input.files = dt.files;
        }
        if (said) said.textContent = input.dataset.ready.replace("{n}", String(small.length));
        pending = null;
      });
    });
    form.addEventListener("submit", function (event) {
      if (!pending) return;
      event.preventDefault(); // send once the photos are ready
      pending.then(function () { form.requestSubmit(); });
    });
  }

  function start() {
    locate();
    pickOnMap();
    placeMaps();
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file][name=photos]"), photos);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
