/* The scan app: each record is queued in localStorage under its own client ID, then sent;
   what the network or the server did not take stays queued and is sent again when the
   network returns (the server stores a record sent twice once). */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var network = document.getElementById("scan-network");
  function showNetwork() {
    if (!network) return;
    var online = navigator.onLine;
    network.textContent = online ? network.dataset.online : network.dataset.offline;
    network.classList.toggle("is-offline", !online);
  }
  showNetwork();
  window.addEventListener("online", showNetwork);
  window.addEventListener("offline", showNetwork);
  if (!form) return;
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(form.dataset.sw, { scope: form.dataset.scope }).catch(function () {});
  }
  var KEY = "suyuan-scan-queue:" + form.dataset.user;
  var SENT = "suyuan-scan-sent:" + form.dataset.user;
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var action = document.getElementById("scan-action");

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function label(value) {
    var option = action.querySelector('option[value="' + value + '"]');
    return option ? option.textContent : value;
  }
  function render() {
    var queue = load();
    var list = document.getElementById("scan-queue");
    list.textContent = "";
    var waiting = 0;
    queue.forEach(function (record) {
      var item = document.createElement("li");
      item.dataset.clientId = record.client_id;
      var when = new Date(record.recorded_at).toLocaleString();
      item.textContent = label(record.action) + " · " + record.code + " · " + when + " · ";
      var state = document.createElement("strong");
      if (record.refused) {
        item.classList.add("is-refused");
        state.textContent = form.dataset.refused + ": " + record.refused;
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "wb-link";
        discard.textContent = form.dataset.discard;
        discard.addEventListener("click", function () {
          save(load().filter(function (r) { return r.client_id !== record.client_id; }));
          render();
        });
        item.appendChild(state);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(discard);
      } else {
        waiting += 1;
        state.textContent = record.signin ? form.dataset.signin : form.dataset.waiting;
        item.appendChild(state);
      }
      list.appendChild(item);
    });
    document.getElementById("scan-waiting").textContent = String(waiting);
    var sent = document.getElementById("scan-sent");
    sent.textContent = sent.dataset.label + " " + (localStorage.getItem(SENT) || "0");
  }
  function update(clientId, change) {
    save(load().map(function (r) { return r.client_id === clientId ? Object.assign(r, change) : r; }));
  }
  function drop(clientId) {
    save(load().filter(function (r) { return r.client_id !== clientId; }));
    localStorage.setItem(SENT, String(Number(localStorage.getItem(SENT) || "0") + 1));
  }

  var sending = false;
  async function flush() {
    if (sending) return;
    sending = true;
    try {
      var queue = load().filter(function (r) { return !r.refused; });
      for (var i = 0; i < queue.length; i++) {
        var record = queue[i];
        var response;
        try {
          response = await fetch(form.dataset.record, {
            method: "POST",
            credentials: "same-origin",
            redirect: "manual",
            headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
            body: JSON.stringify(record),
          });
        } catch (e) {
          break; // no network: everything stays queued
        }
        var type = response.headers.get("Content-Type") || "";
        if (response.type === "opaqueredirect" || type.indexOf("application/json") < 0) {
          update(record.client_id, { signin: true }); // signed out: kept until signed in again
          break;
        }
        if (response.ok) {
          drop(record.client_id);
        } else if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          var body = await response.json().catch(function () { return {}; });
          var errors = (body.errors || []).map(function (e) { return e.message; }).join("; ");
          update(record.client_id, { refused: errors || String(response.status) });
        } else {
          break; // the server is unwell: later
        }
        render();
      }
    } finally {
      sending = false;
      render();
    }
  }

  function showFields() {
    form.querySelectorAll("label[data-for]").forEach(function (field) {
      field.hidden = field.dataset.for.split(" ").indexOf(action.value) < 0;
    });
  }
  action.addEventListener("change", showFields);
  showFields();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = function (id) { return document.getElementById(id).value.trim(); };
    var queue = load();
    queue.push({
      client_id: newId(),
      code: value("scan-code"),
      action: action.value,
      quantity: value("scan-quantity"),
      result: value("scan-result"),
      reason: value("scan-reason"),
      note: value("scan-note"),
      recorded_at: new Date().toISOString(),
    });
    save(queue);
    document.getElementById("scan-code").value = "";
    document.getElementById("scan-code").focus();
    render();
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(function () { if (navigator.onLine) flush(); }, 20000);
  render();
  flush();
})();
