// docgen default theme: dark mode toggle, copy buttons, mobile menu. The page works without
// this script; it only adds conveniences.
(function () {
  "use strict";
  var root = document.documentElement;

  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.hidden = false;
    var sync = function () { toggle.setAttribute("aria-pressed", root.classList.contains("dark") ? "true" : "false"); };
    sync();
    toggle.addEventListener("click", function () {
      var dark = root.classList.toggle("dark");
      try { localStorage.setItem("docgen-theme", dark ? "dark" : "light"); } catch (e) { /* private mode */ }
      sync();
    });
  }

  var menu = document.querySelector(".menu-toggle");
  if (menu) {
    menu.hidden = false;
    menu.addEventListener("click", function () {
      var open = document.body.classList.toggle("menu-open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // The copy button copies the code element's text: the file exactly, since annotation
  // markers live outside <code>.
  document.querySelectorAll(".copy-button").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var block = document.getElementById(btn.getAttribute("data-copy"));
      var code = block && block.querySelector("pre code");
      if (!code) { return; }
      var text = code.textContent;
      var done = function () {
        var label = btn.textContent;
        btn.classList.add("copied");
        btn.textContent = "✓";
        // Screen readers hear what was copied ("Copied: gunicorn.service, 15 lines").
        var status = btn.nextElementSibling;
        if (status && status.classList.contains("copy-status")) {
          var lines = text.replace(/\n$/, "").split("\n").length;
          status.textContent = btn.getAttribute("data-copied") + ", " + lines + " " + (document.documentElement.lang === "vi" ? "dòng" : (lines === 1 ? "line" : "lines"));
        }
        setTimeout(function () { btn.textContent = label; btn.classList.remove("copied"); }, 1200);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    });
  });

  // Hidden lines (mdBook's `# ` in Rust, `hidelines`): a button shows or hides them.
  document.querySelectorAll("figure.code-block").forEach(function (fig) {
    if (!fig.querySelector(".line.boring")) { return; }
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "hidden-lines-button";
    var vi = document.documentElement.lang === "vi";
    var show = vi ? "Hiện các dòng ẩn" : "Show hidden lines";
    var hide = vi ? "Ẩn lại" : "Hide them";
    btn.textContent = show;
    btn.setAttribute("aria-pressed", "false");
    btn.addEventListener("click", function () {
      var on = fig.classList.toggle("show-hidden");
      btn.textContent = on ? hide : show;
      btn.setAttribute("aria-pressed", on ? "true" : "false");
    });
    var wrap = fig.querySelector(".code-wrap");
    (wrap || fig).appendChild(btn);
  });

  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(ta);
  }

  // Keep the current chapter in view in a long sidebar.
  var active = document.querySelector(".sidebar a.active");
  if (active && active.scrollIntoView) { active.scrollIntoView({ block: "nearest" }); }
})();
