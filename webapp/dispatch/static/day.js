// 今日の運行: every ODEKAKE_LIVE_REFRESH_S seconds the page asks /api/days/<day>/live and updates its
// cells in place (state, actual times, ETA, lateness, last report, the banner of late stops) without a
// reload, so the scroll position stays. Text goes in as text (textContent), never as HTML.
// The route map (route_map.js) hears "odekake:live" with the stops the vans have left and greys them.
(function () {
  "use strict";
  const box = document.getElementById("live");
  if (!box) { return; }
  const states = JSON.parse(box.dataset.states || "{}");
  const FINAL = { done: true, not_home: true, cannot_serve: true, passed: true };
  const every = Math.max(1, Number(box.dataset.refreshS) || 20) * 1000;

  function fill(words, n) { return words.replace("#", String(n)); }
  function minutesLate(s) { return s.eta !== null && s.late_by_s > 0 ? Math.ceil(s.late_by_s / 60) : 0; }
  function hm(iso) { const t = iso.slice(11, 16).split(":"); return Number(t[0]) + ":" + t[1]; }
  function setText(row, selector, text) {
    const cell = row.querySelector(selector);
    if (cell && cell.textContent !== text) { cell.textContent = text; }
  }
  function rowOf(stopId) {
    return box.querySelector('tr[data-stop-id="' + stopId + '"]') ||
      Array.prototype.find.call(box.querySelectorAll("tr[data-stop-ids]"), function (tr) {
        return tr.dataset.stopIds.split(" ").indexOf(String(stopId)) >= 0;
      }) || null;
  }

  function updateRow(row, s) {
    const late = row.dataset.request ? minutesLate(s) : 0;  // a break or the depot keeps no one waiting
    row.className = "state-" + s.state + (late ? " late" : "");
    const arrived = s.actual.arrived ? s.actual.arrived.text : "";
    const left = s.actual.left ? s.actual.left.text : "";
    setText(row, ".actual", arrived + (arrived || left ? "–" + left : ""));
    setText(row, ".eta", s.eta || "");
    setText(row, ".late-by", late ? fill(box.dataset.lateWords, late) : "");
    setText(row, ".state-word", states[s.state] || s.state);
  }

  function updateVehicle(v) {
    const section = box.querySelector('section.vehicle[data-vehicle-id="' + v.vehicle_id + '"]');
    if (!section) { return; }
    const report = section.querySelector(".last-report");
    if (v.last_report) {
      report.textContent = fill(box.dataset.reportWords, Math.floor(v.last_report.age_s / 60));
      report.classList.remove("none");
    }
    v.stops.forEach(function (s) {
      const row = section.querySelector('tr[data-stop-id="' + s.id + '"]');
      if (row) { updateRow(row, s); }
    });
  }

  function updateBanner(lateIds, byId) {
    const banner = document.getElementById("late-banner");
    const list = banner.querySelector(".late-list");
    const template = document.getElementById("late-item");
    const seen = {};
    list.textContent = "";
    lateIds.forEach(function (id) {
      const row = rowOf(id);
      if (!row || seen[row.dataset.stopId]) { return; }
      seen[row.dataset.stopId] = true;
      const s = byId[row.dataset.stopId] || byId[id];
      const item = template.content.firstElementChild.cloneNode(true);
      item.dataset.stopId = row.dataset.stopId;
      item.querySelector("a").href = box.dataset.callsUrl + "#call-" + row.dataset.stopId;
      item.querySelector(".v").textContent = row.closest("section.vehicle").dataset.vehicleName;
      item.querySelector(".n").textContent = row.querySelector(".num").textContent;
      item.querySelector(".p").textContent = row.querySelector(".place").textContent;
      item.querySelector(".t").textContent = row.dataset.told || "—";
      item.querySelector(".e").textContent = s.eta || "";
      item.querySelector(".l").textContent = fill(box.dataset.lateWords, minutesLate(s));
      list.appendChild(item);
    });
    banner.querySelector(".late-count").textContent = String(list.children.length);
    banner.hidden = list.children.length === 0;
  }

  function update(data) {
    const x = window.scrollX, y = window.scrollY;
    const byId = {};
    const done = [];
    data.vehicles.forEach(function (v) {
      v.stops.forEach(function (s) { byId[s.id] = s; if (FINAL[s.state]) { done.push(s.id); } });
      updateVehicle(v);
    });
    updateBanner(data.late, byId);
    document.getElementById("updated-at").textContent = hm(data.now);
    box.classList.remove("stale");
    document.dispatchEvent(new CustomEvent("odekake:live", { detail: { done: done } }));
    window.scrollTo(x, y);  // the banner may grow or shrink above: the rows stay where the reader is
  }

  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(update)
      .catch(function () { box.classList.add("stale"); })  // keep what is shown; try again next time
      .then(function () { setTimeout(refresh, every); });
  }
  setTimeout(refresh, every);

  const pick = document.querySelector("form.map-pick select");
  if (pick) { pick.addEventListener("change", function () { pick.form.submit(); }); }
}());
