// The grid worker's pages; every form also works without this file.
// - The phone's position (WGS-84) is asked when a page with a position opens: a grid worker's
//   report, arrival and verification are about where they stand.
// - Photos are shrunk on the phone (canvas, longest side 1600 px, JPEG) before they are sent.
// - Nothing is lost without signal: a report is first kept on the phone (IndexedDB, photos as
//   blobs), then sent with its idempotency key; what has not been accepted yet stays and is shown.
//   It is sent again when the connection returns ("online"), when a grid page opens, every 20 s,
//   or on "send now"; the server answers a repeated key with the first ticket, so a send whose
//   answer was lost never makes two tickets. The service worker (/grid/sw.js) keeps the form
//   itself, so it opens in a basement too.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.85;
  var DB_NAME = "hotline-grid";
  var STORE = "outbox";

  // --- position ------------------------------------------------------------------------------
  function locate(form) {
    var said = form.querySelector(".position");
    var lat = form.querySelector("input.lat");
    var lon = form.querySelector("input.lon");
    if (!said || !lat || !lon || !("geolocation" in navigator)) return;
    said.textContent = said.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(7);
        lon.value = pos.coords.longitude.toFixed(7);
        said.textContent = said.dataset.located.replace("{n}", String(Math.round(pos.coords.accuracy)));
      },
      function () { said.textContent = said.dataset.failed; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  // --- photos shrunk on the phone ------------------------------------------------------------
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
          if (!blob || (scale === 1 && blob.size >= file.size)) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      }, function () { resolve(file); }); // not decodable here: the server will say why
    });
  }

  function photos(input) {
    var form = input.form;
    var said = input.nextElementSibling && input.nextElementSibling.classList.contains("photos-ready")
      ? input.nextElementSibling : null;
    input.addEventListener("change", function () {
      var max = parseInt(input.dataset.max || "3", 10);
      var files = Array.prototype.slice.call(input.files, 0, max);
      var ready = Promise.all(files.map(shrink)).then(function (small) {
        if (typeof DataTransfer === "function") {
          var dt = new DataTransfer();
          small.forEach(function (f) { dt.items.add(f); });
          input.files = dt.files;
        }
        if (said) said.textContent = input.dataset.ready.replace("{n}", String(small.length));
      });
      form._pending = Promise.all([form._pending, ready]);
    });
    if (form.id === "grid-report" || form._watched) return;
    form._watched = true;
    form.addEventListener("submit", function (event) {
      if (!form._pending) return;
      event.preventDefault(); // send once the photos are ready
      var pending = form._pending;
      form._pending = null;
      // a task later: a promise already settled runs before this submit event is done, and a
      // form that is still firing its submit event ignores requestSubmit
      pending.then(function () { setTimeout(function () { form.requestSubmit(); }, 0); });
    });
  }

  // --- the phone's outbox --------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  function all() { return tx("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function remove(key) { return tx("readwrite", function (s) { s.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  }

  var box = document.getElementById("outbox");
  var sending = false;

  function words(name, n, code) {
    return (box.dataset[name] || "").replace("{n}", String(n)).replace("{code}", code || "");
  }

  function show(state) {
    if (!box) return Promise.resolve();
    return all().then(function (items) {
      items.sort(function (a, b) { return a.created - b.created; });
      var list = document.getElementById("outbox-list");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.dataset.key = item.key;
        var when = new Date(item.created);
        var head = document.createElement("span");
        head.className = "what";
        head.textContent = ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2) + " · " +
          item.label + (item.photos.length ? " · " + words("photos", item.photos.length) : "");
        li.appendChild(head);
        if (item.error) {
          var err = document.createElement("span");
          err.className = "error";
          err.textContent = words("refused") + " " + item.error;
          li.appendChild(err);
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "danger small";
          drop.textContent = words("remove");
          drop.addEventListener("click", function () { remove(item.key).then(function () { show(); }); });
          li.appendChild(drop);
        }
        list.appendChild(li);
      });
      document.getElementById("outbox-title").textContent = items.length ? words("waiting", items.length) : words("allSent");
      document.getElementById("outbox-send").hidden = items.length === 0;
      var st = document.getElementById("outbox-state");
      st.textContent = state || (navigator.onLine ? "" : words("offline"));
      box.hidden = items.length === 0 && !document.getElementById("outbox-sent").children.length;
      box.dataset.count = String(items.length);
    });
  }

  function sent(code) {
    var li = document.createElement("li");
    li.textContent = words("sent", 0, code);
    document.getElementById("outbox-sent").appendChild(li);
  }

  function sendOne(item) {
    var data = new FormData();
    Object.keys(item.fields).forEach(function (k) { data.append(k, item.fields[k]); });
    data.append("idempotency_key", item.key);
    item.photos.forEach(function (p) { data.append("photos", p.blob, p.name); });
    return fetch("/grid/report", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      redirect: "manual", // a lapsed login redirects: that is not an answer, the report stays
      headers: { "Accept": "application/json", "X-CSRF-Token": item.fields.csrf || "" },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    });
  }

  function flush() {
    if (!box || sending) return Promise.resolve();
    sending = true;
    var state = "";
    return all().then(function (items) {
      items = items.filter(function (i) { return !i.error; });
      items.sort(function (a, b) { return a.created - b.created; });
      if (items.length) show(words("sending"));
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (go) {
          if (!go) return false;
          return sendOne(item).then(function (r) {
            if ((r.status === 200 || r.status === 201) && r.body.tracking_code) {
              sent(r.body.tracking_code);
              return remove(item.key).then(function () { return true; });
            }
            if (r.status === 401 || r.status === 403 || r.status === 303 || r.status === 0) {
              state = words("login");
              return false; // kept: sent once the person has logged in again
            }
            if (r.status >= 400 && r.status < 500 && r.status !== 429) {
              var said = r.body.errors ? Object.keys(r.body.errors).map(function (k) { return r.body.errors[k]; }).join(" ") : "";
              item.error = said || String(r.status);
              return put(item).then(function () { return true; });
            }
            return false; // the server is busy or failing: try again later
          }, function () {
            return false; // no connection: kept for later
          });
        });
      });
      return chain;
    }).then(function () {
      sending = false;
      return show(state);
    }, function () {
      sending = false;
    });
  }

  function queueForm(form) {
    // a key of this page's own: the form may come from the service worker's copy, whose key was
    // already used by an earlier report
    form.elements.idempotency_key.value = newKey();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!form.reportValidity()) return;
      var pending = form._pending || Promise.resolve();
      form._pending = null;
      pending.then(function () {
        var fields = {};
        ["csrf", "kind", "category_code", "content", "address", "latitude", "longitude"].forEach(function (name) {
          var el = form.elements[name];
          if (!el) return;
          fields[name] = el.value || ""; // a RadioNodeList's value is the checked one
        });
        var input = form.elements.photos;
        var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
        var item = {
          key: form.elements.idempotency_key.value || newKey(),
          created: Date.now(),
          label: fields.content.slice(0, 24),
          fields: fields,
          photos: files.map(function (f) { return { name: f.name, blob: f }; }),
        };
        return put(item).then(function () {
          // ready for the next report: a new key, the text and photos cleared, the place kept
          form.elements.idempotency_key.value = newKey();
          form.elements.content.value = "";
          if (input) input.value = "";
          var ready = form.querySelector(".photos-ready");
          if (ready) ready.textContent = form.dataset.queued;
          return show();
        }).then(flush);
      });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if (form.querySelector(".position")) locate(form);
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file]"), photos);
    var report = document.getElementById("grid-report");
    if (report && "indexedDB" in window) queueForm(report);
    if (box && "indexedDB" in window) {
      document.getElementById("outbox-send").addEventListener("click", function () { flush(); });
      window.addEventListener("online", function () { flush(); });
      window.addEventListener("offline", function () { show(); });
      setInterval(function () { if (navigator.onLine) flush(); }, 20000);
      show().then(flush);
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/grid/sw.js", { scope: "/grid/" }).catch(function () {});
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
