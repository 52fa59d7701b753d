// Place a site by clicking a map of the instance's own roads: no tile server (works offline).
// #site-map holds data-roads (api.roads), data-lat/data-lon (where to start); the click fills the
// form's lat/lon fields. The server refuses a point too far from any road when the form is saved.
(function () {
  "use strict";
  const box = document.getElementById("site-map");
  if (!box) { return; }
  const latField = document.getElementById("lat");
  const lonField = document.getElementById("lon");
  const start = [parseFloat(latField.value) || parseFloat(box.dataset.lat), parseFloat(lonField.value) || parseFloat(box.dataset.lon)];
  const placed = Boolean(latField.value && lonField.value);
  // A new site starts on the district (its middle may lie between roads: at street zoom that was an
  // empty grey box); a placed site on its street. Zoom 13 stays inside api.roads' largest box.
  const map = L.map(box, { zoomSnap: 0.25, attributionControl: false, zoomControl: false }).setView(start, placed ? 16 : 13);
  // the zoom buttons' titles in the page's language (data-zoom-in, data-zoom-out; Leaflet's are English)
  L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
  const roads = L.geoJSON(null, { style: { color: "#8a8a8a", weight: 1.5 }, interactive: false }).addTo(map);
  let marker = null;
  function place(lat, lon) {
    if (marker) { marker.setLatLng([lat, lon]); } else {
      marker = L.circleMarker([lat, lon], { radius: 9, color: "#fff", weight: 2, fillColor: "#0b5cad", fillOpacity: 1 }).addTo(map);
    }
  }
  function load() {
    const b = map.getBounds();
    const url = box.dataset.roads + "?bbox=" + [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function (x) { return x.toFixed(5); }).join(",");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { roads.clearLayers(); roads.addData(data.roads); })
      .catch(function (err) { box.setAttribute("data-error", err.message); });
  }
  map.on("moveend", load);
  map.on("click", function (e) {
    latField.value = e.latlng.lat.toFixed(6);
    lonField.value = e.latlng.lng.toFixed(6);
    place(e.latlng.lat, e.latlng.lng);
  });
  if (placed) { place(start[0], start[1]); }
  // Leaflet keeps the size its box had when the map was made; the form's grid may lay the box out
  // (or show it) only afterwards, which left a grey box until the window was resized. Follow the
  // box's size: invalidateSize redraws and, when the view changes, loads the roads of the new view.
  if (window.ResizeObserver) {
    new ResizeObserver(function () { map.invalidateSize(); }).observe(box);
  }
  load();
}());
