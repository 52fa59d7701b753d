// The driver's tablet: each press kept with the time it happened, sent in order, and the day without signal.
//
// A press (到着 / 完了 / 不在 / 対応不可) goes into a queue on the tablet (localStorage, one per
// login) with its stop, action, note and time, then the queue is sent in order to
// POST /api/stops/<id>/status, each press with its own time (`at`). Without signal a press
// stays queued: its card says 未送信, the head of the page counts them (未送信 n件) and the rest
// of the route is re-timed here. The queue is sent again when the network returns (`online`),
// when the page loads and every 30 s. A 2xx removes the press (a repeat is stored once and
// answered 200 by the server); a 4xx keeps it with the server's words on its card (`message`,
// in the user's language, else `error`) and the next presses go on; no answer or a 5xx keeps
// it and the rest behind it, in order, for the next try. When presses were sent the page
// reloads (the server's ETAs). Without this script the buttons are plain forms (server time);
// 対応不可 without a reason still goes to the server, which says so beside the field (offline
// this script says it). A 完了 at a visit, a hall session or a drop-off carries what was handled
// (the card's counters, pre-filled by the server; − / ＋ change them) as the API's `handled`,
// kept with the queued press until it is sent.
//
// The time of a press is the server's clock, not the tablet's: the page carries the server's
// now (data-server-now) and the tablet keeps the offset between that and its own clock when a
// fresh page arrives, so at = server's now + the time since on the tablet's clock. A tablet
// whose clock is wrong (or set to another zone) still sends the right time; a page shown from
// the tablet's copy (no signal) keeps the offset measured when that copy was served.
//
// Re-timing without signal, kept simple on purpose: the van is at the furthest stop along the
// route with a queued press; it leaves at that press's time (完了 / 不在 / 対応不可) or at the
// press plus the stop's planned service (到着); every later stop moves by the difference to when
// it was expected to leave, and when that is earlier, never earlier than planned (window
// openings are not re-checked here). Lateness is against the told window's end, as on the server.
(function () {
  "use strict";
  const root = document.getElementById("driver-day");
  if (!root) { return; }
  const d = root.dataset;
  const DEPARTED = new Set(["done", "not_home", "cannot_serve"]);
  const QUEUE = "odekake.driver.queue." + d.login;
  const CACHE = "odekake-driver-v1";  // the service worker's cache (sw.js)
  const FLASH = "odekake.driver.flash";
  const SCROLL = "odekake.driver.scroll-next";
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const cards = Array.from(document.querySelectorAll("li.card[data-stop]"));
  const server = cards.map(function (c) { return { finished: c.classList.contains("finished") }; });
  const nextLabel = document.querySelector("li.card .next-label");
  const headline = document.querySelector("p.queue");
  const offlineNote = document.querySelector("p.offline");
  const now = serverClock(d.serverNow, d.pageId);
  const sending = new Set();
  let busy = false;

  // The offset is kept per page served (data-page-id is new on every answer of the server): a
  // fresh page measures it, the tablet's copy of a page (no signal) reuses what was measured then.
  function serverClock(serverNow, pageId) {
    const storeKey = "odekake.driver.clock";
    let kept = {};
    try { kept = JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { kept = {}; }
    if (!(pageId in kept)) {
      kept[pageId] = { skew: Date.parse(serverNow) - Date.now(), seen: Date.now() };
      const recent = Object.keys(kept).sort(function (a, b) { return kept[b].seen - kept[a].seen; }).slice(0, 20);
      kept = Object.fromEntries(recent.map(function (k) { return [k, kept[k]]; }));
      localStorage.setItem(storeKey, JSON.stringify(kept));
    }
    const skew = kept[pageId].skew;
    return function () { return Date.now() + skew; };
  }

  // ISO 8601 in the city's offset (the server's), e.g. 2026-12-01T09:12:00+09:00
  const OFFSET = d.serverNow.slice(-6);
  const OFFSET_MS = (OFFSET[0] === "-" ? -1 : 1) * (Number(OFFSET.slice(1, 3)) * 60 + Number(OFFSET.slice(4, 6))) * 60000;
  function isoAt(ms) { return new Date(ms + OFFSET_MS).toISOString().slice(0, 19) + OFFSET; }
  // A press is never timed before the tablet's previous one (a page fetched later may measure the
  // offset a little differently): presses keep their order on the server, which orders them by time.
  function pressTime() {
    const storeKey = "odekake.driver.last-press";
    const previous = Number(localStorage.getItem(storeKey)) || 0;
    const t = Math.max(now(), previous + 1000);
    localStorage.setItem(storeKey, String(t));
    return t;
  }
  function daySeconds(iso) { return Number(iso.slice(11, 13)) * 3600 + Number(iso.slice(14, 16)) * 60 + Number(iso.slice(17, 19)); }
  function hhmm(s) { const m = Math.floor(s / 60); return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0"); }
  function num(text) { return text === undefined || text === "" ? null : Number(text); }
  function key(p) { return p.stop + " " + p.action + " " + p.at; }

  function load() {
    try { return JSON.parse(localStorage.getItem(QUEUE)) || []; } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(QUEUE, JSON.stringify(queue)); }
  function update(press, change) {
    save(load().map(function (p) { return key(p) === key(press) ? Object.assign(p, change) : p; }));
  }
  function remove(press) {
    const queue = load();
    const i = queue.findIndex(function (p) { return key(p) === key(press); });
    if (i >= 0) { queue.splice(i, 1); }
    save(queue);
  }

  // --- what the page shows -------------------------------------------------------------------
  function showPending(card, presses) {
    const badge = card.querySelector(".pending");
    if (!badge) { return; }
    badge.hidden = presses.length === 0;
    if (!presses.length) { return; }
    const failed = presses.find(function (p) { return p.error; });
    const state = failed ? d.tFailed + ": " + failed.error
      : presses.some(function (p) { return sending.has(key(p)); }) ? d.tSending : d.tPending;
    badge.textContent = presses.map(function (p) { return root.getAttribute("data-w-" + p.action); })
      .join(" · ") + " · " + state;
    badge.classList.toggle("failed", Boolean(failed));
  }

  function moveNext() {
    const next = cards.find(function (c) { return c.querySelector(".buttons") && !c.classList.contains("finished"); });
    cards.forEach(function (c) {
      c.classList.toggle("next", c === next);
      c.setAttribute("aria-current", c === next ? "step" : "false");
      if (c === next) { c.id = "next"; } else if (c.id === "next") { c.removeAttribute("id"); }
    });
    if (next && nextLabel) { next.querySelector(".card-head").insertBefore(nextLabel, next.querySelector(".pending")); }
  }

  function showTimes(card, eta, late) {
    const time = card.querySelector(".expected time");
    if (time) { time.textContent = hhmm(eta); }
    const lateNote = card.querySelector(".late");
    if (!lateNote) { return; }
    lateNote.hidden = late <= 0;
    lateNote.textContent = late > 0 ? d.tLate.replace("{n}", String(Math.ceil(late / 60))) : "";
  }

  function retime(presses) {
    let at = -1;
    let press = null;
    presses.forEach(function (p) {
      const i = cards.findIndex(function (c) { return Number(c.dataset.stop) === p.stop; });
      if (i >= at) { at = i; press = p; }
    });
    if (!press || at < 0) { return; }
    const here = cards[at].dataset;
    const service = Number(here.service);
    const expected = (num(here.eta) !== null ? num(here.eta) : Number(here.start)) + service;
    const t = daySeconds(press.at);
    const delay = (DEPARTED.has(press.action) ? t : t + service) - expected;
    cards.slice(at + 1).forEach(function (card) {
      const c = card.dataset;
      const eta = num(c.eta);
      if (eta === null || card.classList.contains("finished")) { return; }
      const moved = delay >= 0 ? eta + delay : Math.max(eta + delay, Math.min(eta, Number(c.start)));
      const told = num(c.toldEnd);
      showTimes(card, moved, told !== null ? moved - told : Number(c.late) + moved - eta);
    });
  }

  function render() {
    const queue = load();
    const today = queue.filter(function (p) { return p.day === d.day; });
    cards.forEach(function (card, i) {
      const presses = today.filter(function (p) { return p.stop === Number(card.dataset.stop); });
      const left = presses.some(function (p) { return DEPARTED.has(p.action); });
      card.classList.toggle("finished", server[i].finished || left);
      showPending(card, presses);
    });
    if (today.length) { moveNext(); }
    retime(today);
    headline.hidden = queue.length === 0;
    headline.textContent = d.tCount.replace("{n}", String(queue.length));
    offlineNote.hidden = navigator.onLine;
  }

  // --- sending -------------------------------------------------------------------------------
  function send(press) {
    return fetch(d.statusUrl.replace("/0/", "/" + press.stop + "/"), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(Object.assign({ action: press.action, note: press.note, at: press.at },
                                         press.handled ? { handled: press.handled } : {})),
    }).then(function (answer) {
      if (answer.ok) { return { sent: true }; }
      if (answer.status >= 500) { return { later: true }; }  // busy or down: try again, in order
      return answer.json().catch(function () { return {}; }).then(function (body) {
        return { error: body.message || body.error || d.tFailed };
      });
    }, function () { return { later: true }; });  // no signal
  }

  async function flush(pressed) {
    if (busy) { return; }
    busy = true;
    let sent = 0;
    let later = false;
    try {
      for (const press of load()) {
        sending.add(key(press));
        render();
        const outcome = await send(press);
        sending.delete(key(press));
        if (outcome.sent) { remove(press); sent += 1; }
        else if (outcome.error) { update(press, { error: outcome.error }); }
        else { later = true; break; }
      }
    } finally {
      busy = false;
    }
    render();
    if (sent && !later) { reload(pressed); }
  }

  // A real reload (the URL already ends in #next, see below), scrolled to the next card.
  function reload(pressed) {
    if (pressed) { sessionStorage.setItem(FLASH, d.tRecorded); }
    sessionStorage.setItem(SCROLL, "1");
    location.reload();
  }

  function reasonMissing(form) {
    const note = form.elements.note;
    let error = form.querySelector(".field-error");
    if (!error) {
      error = document.createElement("span");
      error.className = "field-error";
      note.after(error);
    }
    error.textContent = d.tReason;
    note.setAttribute("aria-invalid", "true");
    note.focus();
  }

  // --- what a 完了 handled (issue 27): the card's counters, sent as the API's handled object ---------
  function whole(input) { const n = Math.floor(Number(input.value)); return isFinite(n) && n > 0 ? n : 0; }
  function handledOf(form) {
    if (!form.querySelector("fieldset.handled")) { return null; }
    const out = {};
    Array.from(form.querySelectorAll("fieldset.handled input[name]")).forEach(function (input) {
      const name = input.name;
      const group = name.startsWith("svc-") ? "services" : name.startsWith("walk-") ? "walk_ins" : null;
      if (group) {
        out[group] = out[group] || {};
        if (whole(input)) { out[group][name.slice(group === "services" ? 4 : 5)] = whole(input); }
      } else {
        out[name] = whole(input);
      }
    });
    return out;
  }
  document.addEventListener("click", function (event) {
    const step = event.target.closest("fieldset.handled button.step");
    if (!step) { return; }
    const input = step.parentElement.querySelector("input");
    input.value = String(Math.min(Number(input.max) || 999, Math.max(0, whole(input) + Number(step.dataset.step))));
  });
  document.querySelectorAll("fieldset.handled button.step").forEach(function (b) { b.hidden = false; });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.classList.contains("report-form")) { return; }
    const action = form.elements.action.value;
    const note = form.elements.note ? form.elements.note.value.trim() : "";
    if (action === "cannot_serve" && !note) {
      if (navigator.onLine) { return; }  // the plain form: the server says so beside the field
      event.preventDefault();
      reasonMissing(form);
      return;
    }
    event.preventDefault();
    const queue = load();
    const press = { stop: Number(form.closest("li.card").dataset.stop), day: d.day, action: action, note: note,
                    at: isoAt(pressTime()) };
    const handled = action === "done" ? handledOf(form) : null;
    if (handled) { press.handled = handled; }  // travels with the press, queued while there is no signal
    queue.push(press);
    save(queue);
    render();
    flush(true);
  });

  // --- the day without signal ------------------------------------------------------------------
  function keepForOffline() {
    if (!("caches" in window) || !navigator.onLine || navigator.serviceWorker.controller) { return; }
    // the first visit: the worker does not control this page yet, so keep the page and its assets here
    caches.open(CACHE).then(function (cache) {
      return cache.addAll([location.pathname + location.search].concat(d.assets.split(" ")));
    }).catch(function () { /* kept on the next visit */ });
  }

  function showFlash() {
    const text = sessionStorage.getItem(FLASH);
    if (!text) { return; }
    sessionStorage.removeItem(FLASH);
    const flash = document.createElement("p");
    flash.className = "flash";
    flash.setAttribute("role", "status");
    flash.textContent = text;
    document.querySelector("main").prepend(flash);
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(d.swUrl, { scope: d.swScope }).then(keepForOffline)
      .catch(function () { /* the page works without it, with signal */ });
  }
  window.addEventListener("online", function () { flush(false); });
  window.addEventListener("offline", render);
  setInterval(function () { if (load().length) { flush(false); } }, 30000);
  showFlash();
  render();
  history.scrollRestoration = "manual";
  // the day's page (not a refused form's answer) ends in #next once loaded, so that the reload after
  // a press is a real one (a URL differing in its #fragment alone would not reload)
  window.addEventListener("load", function () {
    if (location.pathname === d.swScope && document.getElementById("next") && location.hash !== "#next") {
      history.replaceState(null, "", location.pathname + location.search + "#next");
    }
  });
  if (sessionStorage.getItem(SCROLL) && document.getElementById("next")) {
    document.getElementById("next").scrollIntoView();
  }
  sessionStorage.removeItem(SCROLL);
  if (load().length) { flush(false); }
}());
