// Maps of the hot-spot module. Data comes from data-* attributes of #hs-map;
// no inline script (strict CSP). Tiles only when the server configured a URL.
(function () {
  "use strict";
  var el = document.getElementById("hs-map");
  heatTable();
  statusPoll();
  if (!el || typeof L === "undefined") { return; }
  var CLASS_COLOURS = {
    hot_99: "#b2182b", hot_95: "#ef8a62", hot_90: "#fddbc7",
    cold_90: "#d1e5f0", cold_95: "#67a9cf", cold_99: "#2166ac"
  };
  var CLASS_LABELS = el.dataset.classLabels ? JSON.parse(el.dataset.classLabels) : {};
  function classLabel(code) { return CLASS_LABELS[code] || code; }
  var map = L.map(el, { preferCanvas: true }).setView([30.1, 120.1], 11);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  }
  var outlines = null;
  function getJSON(url, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url);
    xhr.onload = function () { if (xhr.status === 200) { done(JSON.parse(xhr.responseText)); } };
    xhr.send();
  }
  if (el.dataset.outlinesUrl) {
    getJSON(el.dataset.outlinesUrl, function (data) {
      outlines = L.geoJSON(data, {
        style: { color: "#555", weight: 1.5, fill: false },
        onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); }
      }).addTo(map);
      if (data.features.length && !el.dataset.cellsUrl) { map.fitBounds(outlines.getBounds()); }
    });
  }
  function countColour(n, max) {
    var r = n / Math.max(max, 1);
    return r > 0.66 ? "#e34a33" : (r > 0.33 ? "#fdbb84" : "#fee8c8");
  }
  if (el.dataset.cellsUrl) {
    getJSON(el.dataset.cellsUrl, function (data) {
      var mode = el.dataset.mode;
      var max = 0;
      (data.features || []).forEach(function (f) { max = Math.max(max, f.properties.count || 0); });
      var layer = L.geoJSON(data, {
        filter: function (f) { return mode !== "analysis" || f.properties["class"] !== "ns"; },
        style: function (f) {
          var p = f.properties || {};
          var colour = mode === "analysis" ? CLASS_COLOURS[p["class"]] : (mode === "campaign" ? "#b2182b" : countColour(p.count, max));
          return { color: colour, weight: mode === "campaign" ? 2 : 0.5, fillColor: colour, fillOpacity: 0.6 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties || {};
          if (p.count !== undefined) {
            l.bindTooltip(mode === "analysis" ? (p.count + " · z=" + p.z + " · " + classLabel(p["class"])) : (p.count + " " + (el.dataset.label || "")));
          }
        }
      }).addTo(map);
      if (layer.getLayers().length) { map.fitBounds(layer.getBounds()); }
      legend(mode, max);
    });
  }
  function legend(mode, max) {
    var box = document.getElementById("hs-legend");
    if (!box) { return; }
    var items = mode === "analysis"
      ? Object.keys(CLASS_COLOURS).map(function (k) { return ["sw-" + k, classLabel(k)]; })
      : [["sw-c1", "≤ " + Math.round(max / 3)], ["sw-c2", "≤ " + Math.round(2 * max / 3)], ["sw-c3", "≤ " + max]];
    items.forEach(function (it) {
      var span = document.createElement("span");
      var sw = document.createElement("span");
      sw.className = "swatch " + it[0];
      span.appendChild(sw);
      span.appendChild(document.createTextNode(it[1]));
      box.appendChild(span);
    });
  }
  if (el.dataset.mode === "draw") {
    var first = null;
    var rect = null;
    map.on("click", function (e) {
      if (!first) { first = e.latlng; return; }
      var b = L.latLngBounds(first, e.latlng);
      first = null;
      if (rect) { map.removeLayer(rect); }
      rect = L.rectangle(b, { color: "#b2182b" }).addTo(map);
      var w = b.getWest(), s = b.getSouth(), ea = b.getEast(), n = b.getNorth();
      var target = document.getElementById(el.dataset.target);
      if (target) {
        target.value = JSON.stringify({ type: "Polygon", coordinates: [[[w, s], [ea, s], [ea, n], [w, n], [w, s]]] });
      }
    });
  }
  function heatTable() {
    var cells = document.querySelectorAll(".hs-heat td[data-heat]");
    var max = 0;
    cells.forEach(function (c) { max = Math.max(max, parseFloat(c.dataset.heat) || 0); });
    cells.forEach(function (c) {
      var r = (parseFloat(c.dataset.heat) || 0) / Math.max(max, 1e-9);
      if (r > 0.66) { c.classList.add("h3"); } else if (r > 0.33) { c.classList.add("h2"); } else if (r > 0.1) { c.classList.add("h1"); }
    });
  }
  function statusPoll() {
    var badge = document.getElementById("hs-status");
    if (!badge || (badge.dataset.state !== "queued" && badge.dataset.state !== "running")) { return; }
    var timer = window.setInterval(function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", badge.dataset.statusUrl);
      xhr.onload = function () {
        if (xhr.status !== 200) { return; }
        var s = JSON.parse(xhr.responseText);
        badge.textContent = (s.status_label || s.status) + " " + s.progress + "%";
        if (s.status === "done" || s.status === "failed") { window.clearInterval(timer); window.location.reload(); }
      };
      xhr.send();
    }, 2000);
  }
})();
