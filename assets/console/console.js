// wxgate console: what every page shares. No framework; loaded with `defer`.
//
//   msg(key)              the catalogue's text in the page's language (the key until loaded)
//   postJson(url, body)   POST JSON with the CSRF token; resolves to {status, body}
//   wxgate.ready          a Promise resolved once the catalogue is loaded
"use strict";

var wxgate = (function () {
  var messages = {};
  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : "";
  }
  var lang = meta("console-lang") || "zh";
  var ready = fetch("/admin/assets/messages." + lang + ".json", { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : {}; })
    .then(function (m) { messages = m || {}; })
    .catch(function () { messages = {}; });
  return {
    lang: lang,
    csrf: function () { return meta("csrf-token"); },
    ready: ready,
    msg: function (key) {
      return Object.prototype.hasOwnProperty.call(messages, key) ? messages[key] : key;
    },
  };
})();

function msg(key) {
  return wxgate.msg(key);
}

function postJson(url, body) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      "Accept": "application/json",
      "X-CSRF-Token": wxgate.csrf(),
    },
    body: JSON.stringify(body),
  }).then(function (r) {
    return r.text().then(function (text) {
      var parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = { error: text }; }
      return { status: r.status, body: parsed };
    });
  });
}

document.documentElement.classList.add("js");

// The language switch submits itself when a language is picked.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("form#lang select[name=lang]");
  if (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
});
