/* The scan app's service worker: keeps the app's shell (page, scripts, styles, icon) so the
   app opens without a network. Records are not sent from here: the page queues and sends them. */
"use strict";
const SHELL = __SHELL__;
const CACHE = "suyuan-scan-" + __VERSION__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k.startsWith("suyuan-scan-") && k !== CACHE).map((k) => caches.delete(k)))
    ).then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const isPage = request.mode === "navigate";
  if (!isPage && !SHELL.includes(url.pathname)) return;
  // The network first (fresh page, fresh session); the kept copy when there is none.
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && (isPage ? url.pathname === SHELL[0] : true)) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(isPage ? SHELL[0] : request, copy));
        }
        return response;
      })
      .catch(() => caches.match(isPage ? SHELL[0] : request).then((hit) => hit || Response.error()))
  );
});
