// The overview's live figures: /admin/live.json every 5 s, written into the page in place.
"use strict";

(function () {
  var EVERY_MS = 5000;

  function shown(value) {
    if (value === null || value === undefined) return "–";
    return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }

  function set(root, selector, value) {
    var el = root.querySelector(selector);
    if (el) el.textContent = shown(value);
  }

  function apply(live) {
    var box = document.getElementById("live");
    if (!box) return;
    var t = live.total;
    ["pushes_per_minute", "duplicates", "rejections", "handler_failures", "late_replies", "p50_ms", "p99_ms"]
      .forEach(function (field) { set(box, '[data-live="' + field + '"]', t[field]); });
    Object.keys(t.rejections_by_reason).forEach(function (reason) {
      set(box, '[data-live-reason="' + reason + '"]', t.rejections_by_reason[reason]);
    });
    Object.keys(t.handler_failures_by_kind).forEach(function (kind) {
      set(box, '[data-live-kind="' + kind + '"]', t.handler_failures_by_kind[kind]);
    });
    live.accounts.forEach(function (a) {
      var row = document.querySelector('tr[data-live-account="' + CSS.escape(a.account) + '"]');
      if (!row) return;
      ["pushes_per_minute", "pushes", "duplicates", "rejections", "handler_failures", "late_replies", "p50_ms", "p99_ms"]
        .forEach(function (field) { set(row, '[data-field="' + field + '"]', a[field]); });
    });
    [["status-redis", live.redis], ["status-database", live.database]].forEach(function (pair) {
      var el = document.getElementById(pair[0]);
      if (!el) return;
      el.setAttribute("data-status", pair[1]);
      el.textContent = msg("status." + pair[1]);
    });
    box.classList.remove("stale");
    box.removeAttribute("title");
    box.setAttribute("data-updated-at", String(live.at));
  }

  function refresh() {
    fetch("/admin/live.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) { window.location.assign("/admin/signin?next=%2Fadmin%2F"); return null; }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (live) { if (live) apply(live); })
      .catch(function () {
        var box = document.getElementById("live");
        if (box) { box.classList.add("stale"); box.setAttribute("title", msg("overview.stale")); }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wxgate.ready.then(refresh);
    window.setInterval(refresh, EVERY_MS);
  });
})();
