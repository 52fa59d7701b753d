/* The driver's tablet without signal: a service worker keeping the day's route on the tablet.

   Served as /driver/sw.js (its scope is /driver/, the driver's pages). Network first, the
   tablet's copy when there is no signal, for: the driver's pages (/driver/..., not the
   printed sheet), the app's and the driver's styles and scripts (/static/, /driver/static/)
   and the day's live JSON (/api/days/<day>/live). Only good answers of this origin are kept
   (no redirect to the log-in page, no error page); nothing from another host is asked for.
   Presses are not the worker's business: the page keeps them and sends them
   (driver.js). The copies hold the residents on the route (the crew's own work list, as
   the printed sheet does); logging out from a driver's page deletes them. */
"use strict";

/* The cache's name; driver.js fills the same cache on the first visit (before the worker controls the page). */
const CACHE = "odekake-driver-v1";
const LIVE_JSON = /^\/api\/days\/[^/]+\/live$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function kept(url) {
  const path = url.pathname;
  if (path.startsWith("/driver/")) return !path.startsWith("/driver/sheet") && !path.endsWith("/sw.js");
  return path.startsWith("/static/") || LIVE_JSON.test(path);
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const answer = await fetch(request);
    if (answer.ok && !answer.redirected && answer.type === "basic") await cache.put(request, answer.clone());
    return answer;
  } catch (noSignal) {
    // the app's answers vary with the session cookie, which a worker's requests do not show: ignore it
    const copy = await cache.match(request, { ignoreVary: true });
    if (copy) return copy;
    throw noSignal;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout") {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (request.method === "GET" && kept(url)) event.respondWith(networkFirst(request));
});
