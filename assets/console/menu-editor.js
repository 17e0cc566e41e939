/*
 * The menu editor: a WeChat custom menu in a phone frame, edited in place.
 *
 * MenuEditor(root, buttons) turns the editor markup inside `root` (templates/console/
 * menu-editor.html) into a working editor over `buttons` (WeChat's `button` array) and returns
 * { menu(), problems(), showServerProblems(list), clearServerProblems(), setStatus() }.
 * The rules mirror the server's menu validation (byte lengths counted in UTF-8, as the server
 * counts them); the server stays the authority and its problems are shown at the same places.
 *
 * On the menu page (main#page-menu) this file also wires publishing and refreshes the versions
 * list after it. Needs console.js (msg, postJson, wxgate.ready) loaded first; starts once the
 * message catalogue is loaded, and marks its root with `data-ready` then.
 */
(function () {
  "use strict";

  var MAX_BUTTONS = 3;
  var MAX_SUB_BUTTONS = 5;
  var MAX_NAME_BYTES = 16;
  var MAX_SUB_NAME_BYTES = 60;
  var MAX_BYTES = { key: 128, url: 1024 };
  var FIELDS = ["key", "url", "media_id", "article_id", "appid", "pagepath"];
  var REQUIRED = {
    click: ["key"],
    scancode_push: ["key"],
    scancode_waitmsg: ["key"],
    pic_sysphoto: ["key"],
    pic_photo_or_album: ["key"],
    pic_weixin: ["key"],
    location_select: ["key"],
    view: ["url"],
    miniprogram: ["url", "appid", "pagepath"],
    media_id: ["media_id"],
    view_limited: ["media_id"],
    article_id: ["article_id"],
    article_view_limited: ["article_id"]
  };

  var encoder = new TextEncoder();

  /** UTF-8 length of `text`: what the server counts. */
  function bytes(text) {
    return encoder.encode(text).length;
  }

  /** A catalogue message with its `{name}` placeholders filled from `vars`. */
  function message(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
    });
  }

  /** `button[0].sub_button[2].key` -> `button.0.sub_button.2.key`: one spelling of paths. */
  function normalizePath(path) {
    return String(path || "").replace(/\[(\d+)\]/g, ".$1");
  }

  /** The item a problem path belongs to: `button.N` or `button.N.sub_button.M`, or "". */
  function ownerOf(path) {
    var m = /^button\.(\d+)(?:\.sub_button\.(\d+))?/.exec(path);
    if (!m) {
      return "";
    }
    return m[2] === undefined ? "button." + m[1] : "button." + m[1] + ".sub_button." + m[2];
  }

  function str(value) {
    return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  }

  /** A button as the editor keeps it: every field a string, sub-buttons as an array. */
  function fromWire(raw, top) {
    var button = { name: str(raw && raw.name), type: str(raw && raw.type) };
    FIELDS.forEach(function (field) {
      button[field] = str(raw && raw[field]);
    });
    button.sub_button = [];
    if (top && raw && Array.isArray(raw.sub_button)) {
      button.sub_button = raw.sub_button.map(function (sub) {
        return fromWire(sub, false);
      });
    }
    if (!button.type && !(top && button.sub_button.length)) {
      button.type = "click";
    }
    return button;
  }

  /** A plain button in WeChat's shape: type, name and the fields its type needs. */
  function plainToWire(button) {
    var out = { type: button.type, name: button.name };
    (REQUIRED[button.type] || []).forEach(function (field) {
      out[field] = button[field];
    });
    return out;
  }

  function toWire(buttons) {
    return {
      button: buttons.map(function (button) {
        if (button.sub_button.length) {
          return { name: button.name, sub_button: button.sub_button.map(plainToWire) };
        }
        return plainToWire(button);
      })
    };
  }

  /**
   * WeChat's rules, as the server checks them; every problem with its path. An empty menu is
   * left to the server (its 422 names it when the admin publishes), so a new editor starts
   * without an error.
   */
  function validate(buttons) {
    var problems = [];
    function add(path, text) {
      problems.push({ path: path, message: text });
    }
    function checkName(name, path, max) {
      if (!name.trim()) {
        add(path + ".name", msg("menu.err.name_empty"));
      } else if (bytes(name) > max) {
        add(path + ".name", message(msg("menu.err.name_bytes"), { n: bytes(name), max: max }));
      }
    }
    function checkAction(button, path) {
      var required = REQUIRED[button.type];
      if (!button.type) {
        add(path + ".type", msg("menu.err.type_required"));
      } else if (!required) {
        add(path + ".type", message(msg("menu.err.type_unknown"), { type: button.type }));
      }
      (required || []).forEach(function (field) {
        if (!button[field].trim()) {
          add(path + "." + field, message(msg("menu.err.field_required"), { field: field, type: button.type }));
        }
      });
      Object.keys(MAX_BYTES).forEach(function (field) {
        if ((required || []).indexOf(field) >= 0 && bytes(button[field]) > MAX_BYTES[field]) {
          add(path + "." + field, message(msg("menu.err.field_bytes"), {
            field: field,
            n: bytes(button[field]),
            max: MAX_BYTES[field]
          }));
        }
      });
    }
    buttons.forEach(function (button, i) {
      var path = "button." + i;
      if (i === MAX_BUTTONS) {
        add(path, message(msg("menu.err.too_many_buttons"), { max: MAX_BUTTONS }));
      }
      checkName(button.name, path, MAX_NAME_BYTES);
      if (button.sub_button.length) {
        button.sub_button.forEach(function (sub, j) {
          var subPath = path + ".sub_button." + j;
          if (j === MAX_SUB_BUTTONS) {
            add(subPath, message(msg("menu.err.too_many_subs"), { max: MAX_SUB_BUTTONS }));
          }
          checkName(sub.name, subPath, MAX_SUB_NAME_BYTES);
          checkAction(sub, subPath);
        });
      } else {
        checkAction(button, path);
      }
    });
    return problems;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function control(className, label, symbol) {
    var b = el("button", className, symbol);
    b.type = "button";
    b.title = label;
    b.setAttribute("aria-label", label);
    return b;
  }

  /** Parses `button.N` / `button.N.sub_button.M` into [N] / [N, M]. */
  function parseItemPath(path) {
    var m = /^button\.(\d+)(?:\.sub_button\.(\d+))?$/.exec(path || "");
    if (!m) {
      return null;
    }
    return m[2] === undefined ? [Number(m[1])] : [Number(m[1]), Number(m[2])];
  }

  function itemPath(at) {
    return at.length === 1 ? "button." + at[0] : "button." + at[0] + ".sub_button." + at[1];
  }

  /**
   * The editor over the markup in `root`. `initial` is WeChat's `button` array (may be empty).
   */
  function MenuEditor(root, initial) {
    var buttons = (Array.isArray(initial) ? initial : []).map(function (b) {
      return fromWire(b, true);
    });
    var selected = buttons.length ? [0] : null;
    var serverProblems = [];
    var dragFrom = null;

    var list = root.querySelector("#buttons");
    var subs = root.querySelector("#sub-menus");
    var addButton = root.querySelector("#add-button");
    var form = root.querySelector("#button-form");
    var empty = root.querySelector("#button-form-empty");
    var summary = root.querySelector("#problems");
    var nameInput = form.querySelector("input[name=name]");
    var typeSelect = form.querySelector("select[name=type]");
    var nameBytes = form.querySelector(".name-bytes");
    var typeRow = form.querySelector("[data-field=type]");
    var submenuNote = form.querySelector(".submenu-note");

    function at(path) {
      if (!path) {
        return null;
      }
      var top = buttons[path[0]];
      if (!top) {
        return null;
      }
      return path.length === 1 ? top : top.sub_button[path[1]] || null;
    }

    function problems() {
      return validate(buttons).concat(serverProblems);
    }

    function siblingsOf(path) {
      return path.length === 1 ? buttons : buttons[path[0]].sub_button;
    }

    /** Moves the item at `path` by `delta` among its siblings; returns its new path. */
    function move(path, delta) {
      var list = siblingsOf(path);
      var index = path[path.length - 1];
      var to = index + delta;
      if (to < 0 || to >= list.length) {
        return path;
      }
      var item = list.splice(index, 1)[0];
      list.splice(to, 0, item);
      return path.length === 1 ? [to] : [path[0], to];
    }

    /** Moves the item at `from` to the place of the item at `to` (same level). */
    function moveTo(from, to) {
      if (from.length !== to.length) {
        return null;
      }
      if (from.length === 1) {
        var item = buttons.splice(from[0], 1)[0];
        buttons.splice(to[0], 0, item);
        return [to[0]];
      }
      var source = buttons[from[0]].sub_button;
      var target = buttons[to[0]].sub_button;
      if (source !== target && target.length >= MAX_SUB_BUTTONS) {
        return null;
      }
      var sub = source.splice(from[1], 1)[0];
      target.splice(to[1], 0, sub);
      if (!source.length && !buttons[from[0]].type) {
        buttons[from[0]].type = "click";
      }
      return [to[0], to[1]];
    }

    function structureChanged() {
      serverProblems = [];
      render();
    }

    function select(path, focusItem) {
      selected = path;
      render();
      if (focusItem) {
        focus(path);
      }
    }

    function focus(path) {
      var node = root.querySelector('[data-path="' + itemPath(path) + '"]');
      if (node) {
        node.focus();
      }
    }

    function addTop() {
      if (buttons.length >= MAX_BUTTONS) {
        return;
      }
      buttons.push(fromWire({ name: msg("menu.new_button"), type: "click" }, true));
      selected = [buttons.length - 1];
      structureChanged();
      nameInput.focus();
      nameInput.select();
    }

    function addSub(i) {
      var top = buttons[i];
      if (!top || top.sub_button.length >= MAX_SUB_BUTTONS) {
        return;
      }
      top.sub_button.push(fromWire({ name: msg("menu.new_sub"), type: "click" }, false));
      selected = [i, top.sub_button.length - 1];
      structureChanged();
      nameInput.focus();
      nameInput.select();
    }

    function remove(path) {
      if (path.length === 1) {
        buttons.splice(path[0], 1);
        selected = buttons.length ? [Math.min(path[0], buttons.length - 1)] : null;
      } else {
        var top = buttons[path[0]];
        top.sub_button.splice(path[1], 1);
        if (!top.sub_button.length && !top.type) {
          top.type = "click";
        }
        selected = top.sub_button.length
          ? [path[0], Math.min(path[1], top.sub_button.length - 1)]
          : [path[0]];
      }
      structureChanged();
    }

    function itemNode(button, path, isTop, count) {
      var li = el("li", isTop ? "menu-button" : "menu-sub");
      var index = path[path.length - 1];
      li.dataset.path = itemPath(path);
      li.draggable = true;
      li.tabIndex = 0;
      li.setAttribute("role", "option");
      var isSelected = !!selected && itemPath(selected) === itemPath(path);
      li.setAttribute("aria-selected", isSelected ? "true" : "false");
      if (isSelected) {
        li.classList.add("selected");
      }
      var name = el("span", "item-name", button.name || "\u00a0");
      li.appendChild(name);
      var controls = el("span", "item-controls");
      var up = control("move-up", isTop ? msg("menu.move_left") : msg("menu.move_up"), isTop ? "\u2190" : "\u2191");
      var down = control("move-down", isTop ? msg("menu.move_right") : msg("menu.move_down"), isTop ? "\u2192" : "\u2193");
      up.disabled = index === 0;
      down.disabled = index === count - 1;
      controls.appendChild(up);
      controls.appendChild(down);
      if (isTop) {
        var plus = control("add-sub", msg("menu.add_sub"), "+");
        plus.disabled = button.sub_button.length >= MAX_SUB_BUTTONS;
        controls.appendChild(plus);
      }
      controls.appendChild(control("remove", msg("menu.remove"), "\u00d7"));
      li.appendChild(controls);
      return li;
    }

    function renderPhone() {
      list.textContent = "";
      subs.textContent = "";
      list.dataset.count = String(buttons.length);
      subs.dataset.count = String(buttons.length);
      buttons.forEach(function (button, i) {
        list.appendChild(itemNode(button, [i], true, buttons.length));
        var column = el("ul", "menu-subs");
        column.dataset.parent = "button." + i;
        column.setAttribute("role", "listbox");
        if (!button.sub_button.length) {
          column.classList.add("empty");
        }
        button.sub_button.forEach(function (sub, j) {
          column.appendChild(itemNode(sub, [i, j], false, button.sub_button.length));
        });
        subs.appendChild(column);
      });
      addButton.disabled = buttons.length >= MAX_BUTTONS;
    }

    function renderForm(all) {
      var button = at(selected);
      var shown = {};
      form.querySelectorAll(".field-error").forEach(function (node) {
        node.textContent = "";
        node.hidden = true;
        node.removeAttribute("data-path");
      });
      if (!button) {
        form.hidden = true;
        delete form.dataset.editing;
        if (empty) {
          empty.hidden = false;
        }
        return shown;
      }
      form.hidden = false;
      if (empty) {
        empty.hidden = true;
      }
      var path = itemPath(selected);
      var isTop = selected.length === 1;
      var submenu = isTop && button.sub_button.length > 0;
      var switched = form.dataset.editing !== path;
      form.dataset.editing = path;
      if (switched || document.activeElement !== nameInput) {
        nameInput.value = button.name;
      }
      var max = isTop ? MAX_NAME_BYTES : MAX_SUB_NAME_BYTES;
      nameBytes.textContent = message(msg("menu.bytes"), { n: bytes(button.name), max: max });
      nameBytes.classList.toggle("over", bytes(button.name) > max);
      typeRow.hidden = submenu;
      submenuNote.hidden = !submenu;
      if (!submenu) {
        typeSelect.value = button.type;
        if (typeSelect.value !== button.type) {
          typeSelect.value = "";
        }
      }
      var needed = submenu ? [] : REQUIRED[button.type] || [];
      FIELDS.forEach(function (field) {
        var row = form.querySelector('[data-field="' + field + '"]');
        var input = form.querySelector('[name="' + field + '"]');
        row.hidden = needed.indexOf(field) < 0;
        if (switched || document.activeElement !== input) {
          input.value = button[field];
        }
      });
      ["name", "type"].concat(FIELDS).forEach(function (field) {
        var row = form.querySelector('[data-field="' + field + '"]');
        var error = row && row.querySelector(".field-error");
        if (!error || row.hidden) {
          return;
        }
        var fieldPath = path + "." + field;
        error.dataset.path = fieldPath;
        var texts = all
          .filter(function (p) {
            return p.path === fieldPath;
          })
          .map(function (p) {
            return p.message;
          });
        if (texts.length) {
          error.textContent = texts.join("; ");
          error.hidden = false;
          shown[fieldPath] = true;
        }
        var input = row.querySelector("input, select");
        if (input) {
          input.setAttribute("aria-invalid", texts.length ? "true" : "false");
        }
      });
      return shown;
    }

    function renderProblems(all, shown) {
      summary.textContent = "";
      var seen = {};
      all.forEach(function (p) {
        if (shown[p.path]) {
          return;
        }
        var key = p.path + "\n" + p.message;
        if (seen[key]) {
          return;
        }
        seen[key] = true;
        var li = el("li", "field-error");
        li.dataset.path = p.path;
        var link = el("button", "problem-path", p.path);
        link.type = "button";
        li.appendChild(link);
        li.appendChild(document.createTextNode(" " + p.message));
        summary.appendChild(li);
      });
      summary.hidden = !summary.childNodes.length;
      root.querySelectorAll(".menu-button, .menu-sub").forEach(function (node) {
        var invalid = all.some(function (p) {
          return ownerOf(p.path) === node.dataset.path;
        });
        node.classList.toggle("invalid", invalid);
      });
    }

    function render() {
      renderPhone();
      var all = problems();
      renderProblems(all, renderForm(all));
      root.dispatchEvent(new CustomEvent("menu-change", { detail: { problems: all.length } }));
    }

    // --- events ---

    root.addEventListener("click", function (event) {
      var target = event.target;
      if (!(target instanceof Element)) {
        return;
      }
      if (target.closest("#add-button")) {
        addTop();
        return;
      }
      var problemLink = target.closest(".problem-path");
      if (problemLink) {
        var owner = parseItemPath(ownerOf(problemLink.parentNode.dataset.path));
        if (owner && at(owner)) {
          select(owner, true);
        }
        return;
      }
      var item = target.closest(".menu-button, .menu-sub");
      if (!item || !root.contains(item)) {
        return;
      }
      var path = parseItemPath(item.dataset.path);
      if (!path || !at(path)) {
        return;
      }
      if (target.closest(".move-up")) {
        select(move(path, -1), false);
        focus(selected);
      } else if (target.closest(".move-down")) {
        select(move(path, 1), false);
        focus(selected);
      } else if (target.closest(".add-sub")) {
        addSub(path[0]);
      } else if (target.closest(".remove")) {
        remove(path);
      } else {
        select(path, true);
      }
    });

    root.addEventListener("keydown", function (event) {
      var item = event.target instanceof Element ? event.target : null;
      if (!item || !item.matches(".menu-button, .menu-sub")) {
        return;
      }
      var path = parseItemPath(item.dataset.path);
      if (!path) {
        return;
      }
      var back = event.key === "ArrowUp" || event.key === "ArrowLeft";
      var forward = event.key === "ArrowDown" || event.key === "ArrowRight";
      if (event.altKey && (back || forward)) {
        event.preventDefault();
        var moved = move(path, back ? -1 : 1);
        serverProblems = [];
        select(moved, true);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select(path, true);
        nameInput.focus();
      } else if (!event.altKey && (back || forward)) {
        event.preventDefault();
        var siblings = root.querySelectorAll(path.length === 1 ? "#buttons > .menu-button" : '[data-parent="button.' + path[0] + '"] > .menu-sub');
        var index = path[path.length - 1] + (back ? -1 : 1);
        if (siblings[index]) {
          siblings[index].focus();
        }
      }
    });

    root.addEventListener("dragstart", function (event) {
      var item = event.target instanceof Element ? event.target.closest(".menu-button, .menu-sub") : null;
      if (!item) {
        return;
      }
      dragFrom = parseItemPath(item.dataset.path);
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", item.dataset.path);
      item.classList.add("dragging");
    });

    function dropTarget(event) {
      var item = event.target instanceof Element ? event.target.closest(".menu-button, .menu-sub") : null;
      if (!item || !dragFrom) {
        return null;
      }
      var to = parseItemPath(item.dataset.path);
      return to && to.length === dragFrom.length ? { node: item, path: to } : null;
    }

    root.addEventListener("dragover", function (event) {
      var target = dropTarget(event);
      if (target) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        root.querySelectorAll(".drop-target").forEach(function (node) {
          if (node !== target.node) {
            node.classList.remove("drop-target");
          }
        });
        target.node.classList.add("drop-target");
      }
    });

    root.addEventListener("dragleave", function (event) {
      if (event.target instanceof Element && event.target.classList.contains("drop-target")) {
        event.target.classList.remove("drop-target");
      }
    });

    root.addEventListener("drop", function (event) {
      var target = dropTarget(event);
      if (!target) {
        return;
      }
      event.preventDefault();
      var moved = moveTo(dragFrom, target.path);
      dragFrom = null;
      if (moved) {
        selected = moved;
        structureChanged();
        focus(moved);
      }
    });

    root.addEventListener("dragend", function () {
      dragFrom = null;
      root.querySelectorAll(".dragging, .drop-target").forEach(function (node) {
        node.classList.remove("dragging", "drop-target");
      });
    });

    /** The field edited in the form changed: update the model, drop that field's server problem. */
    function edited(field, value) {
      var button = at(selected);
      if (!button) {
        return;
      }
      button[field] = value;
      var fieldPath = itemPath(selected) + "." + field;
      serverProblems = serverProblems.filter(function (p) {
        return p.path !== fieldPath;
      });
      render();
    }

    form.addEventListener("input", function (event) {
      var target = event.target;
      if (target instanceof HTMLInputElement && target.name) {
        edited(target.name, target.value);
      }
    });

    typeSelect.addEventListener("change", function () {
      edited("type", typeSelect.value);
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });

    render();
    root.dataset.ready = "true";

    return {
      /** The menu in WeChat's shape: `{"button": [...]}`. */
      menu: function () {
        return toWire(buttons);
      },
      /** Every problem now shown (the rules' and the server's). */
      problems: problems,
      /** Shows the server's problems (422) at their paths and selects the first one's item. */
      showServerProblems: function (list) {
        serverProblems = (Array.isArray(list) ? list : []).map(function (p) {
          return { path: normalizePath(p && p.path), message: str(p && p.message) };
        });
        var first = serverProblems.length ? parseItemPath(ownerOf(serverProblems[0].path)) : null;
        if (first && at(first)) {
          selected = first;
        }
        render();
      },
      /** Forgets the server's problems (after a successful save). */
      clearServerProblems: function () {
        serverProblems = [];
        render();
      }
    };
  }

  window.MenuEditor = MenuEditor;

  /** The JSON an element carries in `data-menu`, or `fallback`. */
  function readJson(node, attribute, fallback) {
    try {
      var value = JSON.parse(node.getAttribute(attribute) || "null");
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }
  window.MenuEditor.readJson = readJson;

  /** What went wrong with a request, from `answer` as postJson returns it. */
  function describeFailure(answer) {
    var body = answer && answer.body;
    if (answer.status === 401) {
      return msg("menu.status.signed_out");
    }
    if (answer.status === 403) {
      return msg("menu.status.forbidden");
    }
    var text = body && body.error ? String(body.error) : message(msg("menu.status.failed"), { status: answer.status });
    if (body && body.errcode !== undefined) {
      text += " (errcode " + body.errcode + (body.errmsg ? ": " + body.errmsg : "") + ")";
    }
    return text;
  }
  window.MenuEditor.describeFailure = describeFailure;

  function setStatus(node, text, kind) {
    node.textContent = text;
    node.classList.remove("ok", "error", "busy");
    if (kind) {
      node.classList.add(kind);
    }
  }
  window.MenuEditor.setStatus = setStatus;

  /** Replaces each of `selectors` in the page with the same element of a fresh copy of it. */
  function refreshSection(selectors) {
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        selectors.forEach(function (selector) {
          var now = document.querySelector(selector);
          var next = fresh.querySelector(selector);
          if (now && next) {
            now.replaceWith(document.importNode(next, true));
          }
        });
      })
      .catch(function () {
        /* the list stays as it was; a reload shows the new version */
      });
  }
  window.MenuEditor.refreshSection = refreshSection;

  function menuPage(page) {
    var root = page.querySelector("#menu-editor");
    if (!root) {
      return;
    }
    var editor = MenuEditor(root, readJson(root, "data-menu", { button: [] }).button || []);
    var publish = page.querySelector("#publish");
    var status = page.querySelector("#publish-status");
    var busy = false;

    publish.addEventListener("click", function () {
      if (busy) {
        return;
      }
      busy = true;
      publish.disabled = true;
      setStatus(status, msg("menu.status.publishing"), "busy");
      postJson(page.dataset.saveUrl, editor.menu())
        .then(function (answer) {
          if (answer.status === 200 && answer.body && answer.body.version !== undefined) {
            editor.clearServerProblems();
            setStatus(status, message(msg("menu.status.published"), { version: answer.body.version }), "ok");
            return refreshSection(["#current-menu", "#versions-section", "#danger"]);
          }
          if (answer.status === 422 && answer.body && Array.isArray(answer.body.problems)) {
            editor.showServerProblems(answer.body.problems);
            setStatus(status, message(msg("menu.status.invalid"), { n: answer.body.problems.length }), "error");
            return null;
          }
          setStatus(status, describeFailure(answer), "error");
          // WeChat refused or timed out: the version is stored all the same, with its error.
          return answer.status >= 500 ? refreshSection(["#current-menu", "#versions-section", "#danger"]) : null;
        })
        .catch(function () {
          setStatus(status, msg("menu.status.network"), "error");
        })
        .then(function () {
          busy = false;
          publish.disabled = false;
        });
    });

    root.addEventListener("menu-change", function (event) {
      publish.classList.toggle("has-problems", event.detail.problems > 0);
    });
  }

  /** Runs `start` once the page is parsed and the message catalogue is loaded. */
  function whenReady(start) {
    var catalogue = window.wxgate && window.wxgate.ready ? window.wxgate.ready : Promise.resolve();
    var parsed = new Promise(function (resolve) {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", resolve);
      } else {
        resolve();
      }
    });
    Promise.all([parsed, catalogue]).then(start, start);
  }
  window.MenuEditor.whenReady = whenReady;

  whenReady(function () {
    var page = document.querySelector("main#page-menu");
    if (page) {
      menuPage(page);
    }
  });
})();
