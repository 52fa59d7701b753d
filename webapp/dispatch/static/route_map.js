// A shift's route over the instance's own road graph: no tile server (works offline).
// The page's #map holds data-url (api.shift_map) and data-colours (one colour per request kind); on
// 今日の運行 also data-done (the stops the van has left: greyed), updated by day.js's "odekake:live".
// A place is text a user typed: it goes into the page as text (textContent), never as HTML.
(function () {
  "use strict";
  // Leaflet's bindTooltip/bindPopup read a string as HTML: give them a node holding the text.
  function textLabel(text) { const span = document.createElement("span"); span.textContent = text; return span; }
  // A numbered marker: a text node in a span (divIcon takes the element, no HTML string); its colours
  // are the kind's (--kind, --kind-ink from webapp/kinds.py's block on every page).
  function numberIcon(label, kind) {
    const span = document.createElement("span");
    span.className = "map-num kind-" + String(kind).replace(/[^a-z_]/g, "");
    span.textContent = label;
    return L.divIcon({ html: span, className: "map-num-icon", iconSize: [26, 26], iconAnchor: [13, 13] });
  }
  const box = document.getElementById("map");
  if (!box) { return; }
  const colours = JSON.parse(box.dataset.colours || "{}");
  // No attribution control: its link points to another host; the page credits OpenStreetMap in text.
  const map = L.map(box, { zoomSnap: 0.25, attributionControl: false, zoomControl: false });
  // the zoom buttons' titles in the page's language (data-zoom-in, data-zoom-out; Leaflet's are English)
  L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
  const markers = {};  // stop id -> its numbered marker and list line, to grey the stops left
  let done = JSON.parse(box.dataset.done || "[]");
  function greyDone() {
    const left = {};
    done.forEach(function (id) { left[id] = true; });
    Object.keys(markers).forEach(function (id) {
      const icon = markers[id].marker.getElement();
      if (icon) { icon.classList.toggle("map-done", !!left[id]); }
      if (markers[id].li) { markers[id].li.classList.toggle("map-done", !!left[id]); }
    });
  }
  document.addEventListener("odekake:live", function (event) { done = event.detail.done; greyDone(); });
  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      // Give the map its view before adding layers: Leaflet cannot draw vectors on a map without one.
      const roads = L.geoJSON(data.roads, { style: { color: "#9a9a9a", weight: 1.5, opacity: 0.9 }, interactive: false });
      const route = L.geoJSON(data.route, { style: { color: "#c0392b", weight: 5, opacity: 0.85 } });
      map.fitBounds(route.getBounds().isValid() ? route.getBounds() : roads.getBounds(), { padding: [20, 20] });
      roads.addTo(map);
      route.addTo(map);
      const list = document.getElementById("map-stops");
      // The stops people see carry the number every screen shows (s.number: 1..n over the stops with
      // a request, one per door; webapp.plan_views.StopCard.number); the plan's own sequence (s.seq)
      // also counts the depot and the break. A marker carries its line's number; the depot none.
      data.stops.forEach(function (s) {
        if (s.lat === null || s.lon === null || s.kind === "break") { return; }
        const depot = s.kind === "start" || s.kind === "end";
        const label = depot || s.number === null ? "" : String(s.number);
        const colour = colours[s.kind] || "#333";
        const tip = (label ? label + " " : "") + s.eta + " " + s.word + " " + s.place;
        if (depot) {
          L.circleMarker([s.lat, s.lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#000", fillOpacity: 1 })
            .bindTooltip(textLabel(tip)).addTo(map);
        } else {
          markers[s.id] = { marker: L.marker([s.lat, s.lon], { icon: numberIcon(label, s.kind), keyboard: false })
            .bindTooltip(textLabel(tip)).addTo(map) };
        }
        if (!list) { return; }  // 今日の運行 lists the stops in its table
        const li = document.createElement("li");
        li.textContent = (label ? label + ". " : "– ") + s.eta + " " + s.word + " " + s.place;
        li.style.borderLeftColor = depot ? "#000" : colour;
        list.appendChild(li);
        if (markers[s.id]) { markers[s.id].li = li; }
      });
      greyDone();
    })
    .catch(function (err) { box.textContent = box.dataset.failed + " (" + err.message + ")"; });
}());
