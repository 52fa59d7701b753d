// Register a resident: click the district's own road map (no tiles) to place the home, or pick a landmark.
// Fills the lat/lon inputs; the server refuses a point too far from any road and says how far.
// A site's name is text a user typed: it goes into the page as text (textContent), never as HTML.
(function () {
  "use strict";
  // Leaflet's bindTooltip/bindPopup read a string as HTML: give them a node holding the text.
  function textLabel(text) { const span = document.createElement("span"); span.textContent = text; return span; }
  const box = document.getElementById("map");
  if (!box) { return; }
  const lat = document.getElementById("lat");
  const lon = document.getElementById("lon");
  const site = document.getElementById("site");
  const map = L.map(box, { zoomSnap: 0.25, attributionControl: false, zoomControl: false });
  // the zoom buttons' titles in the page's language (data-zoom-in, data-zoom-out; Leaflet's are English)
  L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
  let marker = null;

  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng, { keyboard: false }).addTo(map); }
  }

  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      const roads = L.geoJSON(data.roads, { style: { color: "#8a8a8a", weight: 1.5 }, interactive: false });
      map.fitBounds(roads.getBounds(), { padding: [10, 10] });
      roads.addTo(map);
      data.sites.forEach(function (s) {
        L.circleMarker([s.lat, s.lon], { radius: 5, color: "#12355b", weight: 1, fillOpacity: 0.8 })
          .bindTooltip(textLabel(s.name)).addTo(map);
      });
      if (lat.value && lon.value) { place([Number(lat.value), Number(lon.value)]); }
    })
    .catch(function (err) { box.textContent = box.dataset.failed + " (" + err.message + ")"; });

  map.on("click", function (ev) {
    lat.value = ev.latlng.lat.toFixed(6);
    lon.value = ev.latlng.lng.toFixed(6);
    if (site) { site.value = ""; }
    place(ev.latlng);
  });
}());
