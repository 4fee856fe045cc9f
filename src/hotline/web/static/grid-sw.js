// The grid worker's service worker (served as /grid/sw.js, scope /grid/): keeps the report form and
// its scripts on the phone so the form opens without signal. Reports themselves wait in IndexedDB
// (grid.js), never here: this worker only answers GET requests, network first, the kept copy when
// there is no network. Nothing else of the platform is cached.
"use strict";
var CACHE = "hotline-grid-v1";
var SHELL = [
  "/grid/report",
  "/static/grid.js",
  "/static/grid.css",
  "/static/pages.css",
  "/static/countdown.js",
  "/static/vendor/htmx/htmx.min.js",
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("hotline-grid-") === 0 && k !== CACHE; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || SHELL.indexOf(url.pathname) < 0) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname);
    })
  );
});
