// docgen serve: live reload and the lab "Run" button. Injected into pages only by
// `docgen serve` (never part of a built site): it needs the server's build events and, for labs,
// the per-process token the server puts into a <meta> of each page it serves.
(function () {
  "use strict";
  var vi = (document.documentElement.lang || "").indexOf("vi") === 0;
  function t(v, e) { return vi ? v : e; }
  function meta(name) {
    var m = document.querySelector('meta[name="' + name + '"]');
    return m ? m.getAttribute("content") : null;
  }

  var style = document.createElement("style");
  style.textContent =
    "#docgen-build-error{position:fixed;left:0;right:0;top:0;max-height:75vh;overflow:auto;z-index:1000;" +
    "background:#2a0f12;color:#ffe3e3;border-bottom:3px solid #e5534b;padding:12px 20px;font-size:14px}" +
    "#docgen-build-error pre{white-space:pre-wrap;font-size:13px;margin:8px 0 0;color:#ffe3e3;background:none}" +
    ".lab-run-box{margin-top:10px}.lab-run{font:inherit;padding:6px 14px;border-radius:6px;cursor:pointer;" +
    "border:1px solid var(--accent,#2f6feb);background:var(--accent,#2f6feb);color:#fff}" +
    ".lab-run[disabled]{opacity:.6;cursor:progress}.lab-run-status{margin-left:10px;font-weight:600}" +
    ".lab-run-status.pass{color:var(--tip,#1a7f37)}.lab-run-status.fail{color:var(--caution,#cf222e)}" +
    ".lab-run-log{max-height:260px;overflow:auto;font-size:12px;margin-top:8px}" +
    ".lab-help{border-left:4px solid var(--caution,#cf222e);padding:6px 12px;margin-top:8px}" +
    ".lab-checks li.check-pass .check-mark{color:var(--tip,#1a7f37)}" +
    ".lab-checks li.check-fail .check-mark{color:var(--caution,#cf222e)}" +
    ".lab-checks li.check-running .check-mark{color:var(--muted,#888)}" +
    ".lab-evidence{font-size:12px;white-space:pre-wrap}";
  document.head.appendChild(style);

  // Live reload: the server numbers its builds; a page reloads when the number is not its own,
  // so a failed build shows its diagnostics and the fix takes them away again.
  var build = meta("docgen-build");
  if (build !== null && window.EventSource) {
    var es = new EventSource("/__docgen/events");
    es.addEventListener("build", function (ev) {
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (String(data.build) === build || running) { return; }
      if (data.cause === "lab" && labUsed) {
        // Only the lab cards changed, and this page has just shown the run itself.
        build = String(data.build);
        return;
      }
      {
        es.close();
        location.reload();
      }
    });
  }

  // Lab runs.
  var token = meta("docgen-lab-token");
  var running = false;
  var labUsed = false;
  if (!token) { return; }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function setCheck(card, id, status) {
    card.querySelectorAll("li[data-check]").forEach(function (li) {
      if (li.getAttribute("data-check") !== id) { return; }
      li.classList.remove("check-pass", "check-fail", "check-skip", "check-none", "check-running");
      var mark = li.querySelector(".check-mark");
      var map = { passed: ["check-pass", "✓"], failed: ["check-fail", "✗"], skipped: ["check-skip", "–"],
                  running: ["check-running", "…"] };
      var m = map[status] || map.running;
      li.classList.add(m[0]);
      li.setAttribute("data-status", status);
      if (mark) { mark.textContent = m[1]; }
    });
  }

  function dockerHelp(box) {
    var help = el("div", "lab-help");
    help.appendChild(el("p", "", t(
      "Bài thực hành cần Docker trên máy này. Cài và khởi động nó:",
      "This lab needs Docker on this machine. Install and start it:")));
    help.appendChild(el("pre", "", "apt-get install -y docker.io\n" +
      "systemctl start docker    # or, without systemd: dockerd >/var/log/dockerd.log 2>&1 &\n" +
      "docker info               # must answer\n" +
      "docgen lab bootstrap      # builds the base image, no registry needed"));
    box.appendChild(help);
  }

  function showReport(box, report) {
    (report.checks || []).forEach(function (c) {
      if (c.status !== "failed") { return; }
      var d = el("details", "lab-evidence");
      d.open = true;
      d.appendChild(el("summary", "", c.id + ": " + t("mong đợi ", "expected ") + c.expected + "; " +
        t("thấy ", "seen ") + c.seen));
      (c.evidence || []).forEach(function (e) {
        d.appendChild(el("strong", "", e.title));
        d.appendChild(el("pre", "", e.text));
      });
      box.appendChild(d);
    });
    if (report.error) { box.appendChild(el("pre", "lab-help", report.error)); }
  }

  function run(card, id, button, status, box, log) {
    running = true;
    labUsed = true;
    button.disabled = true;
    status.className = "lab-run-status";
    status.textContent = t("Đang chạy…", "Running…");
    log.textContent = "";
    log.hidden = false;
    box.querySelectorAll(".lab-help, .lab-evidence").forEach(function (n) { n.remove(); });
    card.querySelectorAll("li[data-check]").forEach(function (li) {
      setCheck(card, li.getAttribute("data-check"), "running");
    });
    var finished = false;
    function done(cls, text) {
      finished = true;
      running = false;
      button.disabled = false;
      status.className = "lab-run-status " + cls;
      status.textContent = text;
    }
    function handle(ev) {
      if (ev.type === "line") {
        log.textContent += ev.text + "\n";
        log.scrollTop = log.scrollHeight;
      } else if (ev.type === "check") {
        setCheck(card, ev.id, ev.status);
      } else if (ev.type === "report") {
        showReport(box, ev.report);
      } else if (ev.type === "exit") {
        if (ev.code === 0) { done("pass", t("Đạt: mọi kiểm tra đều qua", "Passed: every check passed")); }
        else if (ev.code === 1) { done("fail", t("Không đạt: xem các kiểm tra màu đỏ", "Failed: see the red checks")); }
        else if (ev.needs_docker) { done("fail", t("Chưa có Docker", "Docker is not available")); dockerHelp(box); }
        else if (ev.code === 130 || ev.code === 143) { done("fail", t("Đã dừng", "Stopped")); }
        else { done("fail", (ev.error || t("Không chạy được bài thực hành", "The lab could not run")) + " (exit " + ev.code + ")"); }
      }
    }
    fetch("/__docgen/lab/" + encodeURIComponent(id) + "/run", {
      method: "POST",
      headers: { "X-Docgen-Token": token },
      cache: "no-store"
    }).then(function (resp) {
      if (!resp.ok) {
        return resp.text().then(function (text) {
          done("fail", resp.status === 409
            ? t("Một bài thực hành khác đang chạy; chờ nó xong.", "Another lab is running; wait for it to finish.")
            : text.trim());
        });
      }
      var reader = resp.body.getReader();
      var decoder = new TextDecoder();
      var buf = "";
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) {
            if (!finished) { done("fail", t("Mất kết nối với docgen serve", "Lost the connection to docgen serve")); }
            return;
          }
          buf += decoder.decode(r.value, { stream: true });
          var i;
          while ((i = buf.indexOf("\n")) >= 0) {
            var line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line) { try { handle(JSON.parse(line)); } catch (e) { /* not an event */ } }
          }
          return pump();
        });
      }
      return pump();
    }).catch(function (e) {
      done("fail", t("Lỗi: ", "Error: ") + e);
    });
  }

  document.querySelectorAll("section.lab-card[data-lab]").forEach(function (card) {
    var id = card.getAttribute("data-lab");
    var box = el("div", "lab-run-box");
    var button = el("button", "lab-run", t("Chạy bài thực hành", "Run this lab"));
    button.type = "button";
    var status = el("span", "lab-run-status");
    status.setAttribute("role", "status");
    var log = el("pre", "lab-run-log");
    log.hidden = true;
    box.appendChild(button);
    box.appendChild(status);
    box.appendChild(log);
    card.appendChild(box);
    button.addEventListener("click", function () { run(card, id, button, status, box, log); });
  });
})();
