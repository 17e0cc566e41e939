// The QR code form: the life field applies to temporary codes only.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("qr-form");
  if (!form) {
    return;
  }
  var kind = form.querySelector("select[name=kind]");
  var expire = form.querySelector("input[name=expire_seconds]");
  function sync() {
    expire.disabled = kind.value === "permanent";
  }
  kind.addEventListener("change", sync);
  sync();
});
