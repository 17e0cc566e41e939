/*
 * The conditional menus page: the menu editor for the buttons, the match rule (tag_id and
 * client_platform_type, the two WeChat still honours), adding, and try-match.
 * Needs console.js (msg, postJson) and menu-editor.js loaded first.
 */
(function () {
  "use strict";

  function message(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
    });
  }

  function conditionalPage(page) {
    var root = page.querySelector("#conditional-editor");
    var Editor = window.MenuEditor;
    if (!root || !Editor) {
      return;
    }
    var editor = Editor(root, Editor.readJson(root, "data-menu", { button: [] }).button || []);
    var rule = page.querySelector("#matchrule");
    var tagId = rule.querySelector("input[name=tag_id]");
    var platform = rule.querySelector("select[name=client_platform_type]");
    var add = page.querySelector("#add-conditional");
    var status = page.querySelector("#conditional-status");
    var tryForm = page.querySelector("#trymatch");
    var result = page.querySelector("#trymatch-result");
    var serverRuleProblems = [];
    var busy = false;

    /** The match rule as WeChat takes it: only the fields filled in, as strings. */
    function matchrule() {
      var out = {};
      var tag = tagId.value.trim();
      if (tag) {
        out.tag_id = tag;
      }
      if (platform.value) {
        out.client_platform_type = platform.value;
      }
      return out;
    }

    function ruleProblems() {
      var problems = [];
      var tag = tagId.value.trim();
      if (tag && !/^[0-9]+$/.test(tag)) {
        problems.push({ path: "matchrule.tag_id", message: msg("cond.err.tag_id") });
      }
      return problems.concat(serverRuleProblems);
    }

    function showRuleProblems() {
      var problems = ruleProblems();
      var placed = {};
      rule.querySelectorAll(".field-error").forEach(function (node) {
        var texts = problems
          .filter(function (p) {
            return p.path === node.dataset.path;
          })
          .map(function (p) {
            placed[p.path] = true;
            return p.message;
          });
        node.textContent = texts.join("; ");
        node.hidden = !texts.length;
      });
      // A problem at a rule field the page does not offer (sex, country, ...) goes with the rule.
      var general = rule.querySelector('.field-error[data-path="matchrule"]');
      var rest = problems.filter(function (p) {
        return !placed[p.path];
      });
      if (rest.length) {
        general.textContent = rest
          .map(function (p) {
            return p.path === "matchrule" ? p.message : p.path + ": " + p.message;
          })
          .join("; ");
        general.hidden = false;
      }
      tagId.setAttribute("aria-invalid", placed["matchrule.tag_id"] ? "true" : "false");
    }

    tagId.addEventListener("input", function () {
      serverRuleProblems = serverRuleProblems.filter(function (p) {
        return p.path !== "matchrule.tag_id";
      });
      showRuleProblems();
    });
    platform.addEventListener("change", function () {
      serverRuleProblems = [];
      showRuleProblems();
    });

    add.addEventListener("click", function () {
      if (busy) {
        return;
      }
      busy = true;
      add.disabled = true;
      Editor.setStatus(status, msg("cond.status.adding"), "busy");
      var body = editor.menu();
      body.matchrule = matchrule();
      postJson(page.dataset.addUrl, body)
        .then(function (answer) {
          if ((answer.status === 200 || answer.status === 201) && answer.body && answer.body.menuid !== undefined) {
            serverRuleProblems = [];
            showRuleProblems();
            editor.clearServerProblems();
            Editor.setStatus(status, message(msg("cond.status.added"), { menuid: answer.body.menuid }), "ok");
            return Editor.refreshSection(["#conditional-section"]);
          }
          if (answer.status === 422 && answer.body && Array.isArray(answer.body.problems)) {
            var all = answer.body.problems.map(function (p) {
              return {
                path: String((p && p.path) || "").replace(/\[(\d+)\]/g, ".$1"),
                message: String((p && p.message) || "")
              };
            });
            serverRuleProblems = all.filter(function (p) {
              return p.path === "matchrule" || p.path.indexOf("matchrule.") === 0;
            });
            editor.showServerProblems(
              all.filter(function (p) {
                return serverRuleProblems.indexOf(p) < 0;
              })
            );
            showRuleProblems();
            Editor.setStatus(status, message(msg("menu.status.invalid"), { n: all.length }), "error");
            return null;
          }
          Editor.setStatus(status, Editor.describeFailure(answer), "error");
          return null;
        })
        .catch(function () {
          Editor.setStatus(status, msg("menu.status.network"), "error");
        })
        .then(function () {
          busy = false;
          add.disabled = false;
        });
    });

    tryForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var user = tryForm.querySelector("input[name=user_id]").value.trim();
      if (!user) {
        result.textContent = msg("cond.err.user_id");
        result.classList.add("error");
        return;
      }
      result.textContent = msg("cond.status.asking");
      result.classList.remove("error");
      postJson(page.dataset.trymatchUrl, { user_id: user })
        .then(function (answer) {
          if (answer.status === 200) {
            result.textContent = JSON.stringify(answer.body, null, 2);
          } else {
            result.textContent = Editor.describeFailure(answer);
            result.classList.add("error");
          }
        })
        .catch(function () {
          result.textContent = msg("menu.status.network");
          result.classList.add("error");
        });
    });
  }

  if (window.MenuEditor) {
    window.MenuEditor.whenReady(function () {
      var page = document.querySelector("main#page-conditional");
      if (page) {
        conditionalPage(page);
      }
    });
  }
})();
