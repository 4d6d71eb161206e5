// Click on the map to set the appeal's location (optional; the form works without it).
(function () {
  "use strict";
  var el = document.getElementById("appeal-map");
  if (!el || typeof L === "undefined") { return; }
  var lonInput = document.getElementById(el.getAttribute("data-lon-input"));
  var latInput = document.getElementById(el.getAttribute("data-lat-input"));
  var map = L.map(el).setView([30.1, 120.1], 11);
  var tiles = el.getAttribute("data-tiles");
  if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
  var marker = null;
  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    lonInput.value = latlng.lng.toFixed(6);
    latInput.value = latlng.lat.toFixed(6);
  }
  if (lonInput.value && latInput.value) {
    place(L.latLng(parseFloat(latInput.value), parseFloat(lonInput.value)));
  }
  map.on("click", function (event) { place(event.latlng); });
  var outline = document.getElementById("county-boundary");
  if (outline) {
    var shape = L.geoJSON(JSON.parse(outline.textContent), { fill: false });
    shape.addTo(map);
    map.fitBounds(shape.getBounds());
  }
})();
