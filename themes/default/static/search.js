// docgen search: loads the index of the page's language lazily (on first focus), shard by
// shard, and shows results built from text nodes only (never innerHTML), so text from pages
// can never become markup. Folding matches src/search.rs: lower case, NFD without combining
// marks, đ → d.
(function () {
  "use strict";
  var input = document.querySelector(".search-input");
  var list = document.querySelector(".search-results");
  if (!input || !list) { return; }
  var box = input.closest(".search");
  if (box) { box.hidden = false; }
  var base = input.getAttribute("data-index");
  var root = input.getAttribute("data-root");
  var noResults = input.getAttribute("data-no-results") || "No results";
  var resultsWord = input.getAttribute("data-results") || "results";
  // Announces the number of results to screen readers (a polite live region).
  var status = box && box.querySelector(".search-status");

  var meta = null, metaWaiters = [];
  var shards = {}, shardWaiters = {};
  var chunks = {}, chunkWaiters = {};
  var selected = -1, current = [];

  window.docgenSearch = {
    meta: function (m) { meta = m; metaWaiters.splice(0).forEach(function (f) { f(); }); },
    shard: function (key, terms) { shards[key] = terms; (shardWaiters[key] || []).splice(0).forEach(function (f) { f(); }); },
    docs: function (n, rows) { chunks[n] = rows; (chunkWaiters[n] || []).splice(0).forEach(function (f) { f(); }); }
  };

  function load(src, onerror) {
    var s = document.createElement("script");
    s.src = src;
    s.async = true;
    s.onerror = onerror || function () {};
    document.head.appendChild(s);
  }
  function hex(s) {
    return Array.prototype.map.call(new TextEncoder().encode(s), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }
  function whenMeta() {
    return new Promise(function (resolve) {
      if (meta) { return resolve(); }
      if (metaWaiters.push(resolve) === 1) { load(base + "meta.js", function () { meta = { shards: [] }; resolve(); }); }
    });
  }
  function whenShard(key) {
    return new Promise(function (resolve) {
      if (shards[key] || meta.shards.indexOf(key) < 0) { return resolve(); }
      var w = shardWaiters[key] || (shardWaiters[key] = []);
      if (w.push(resolve) === 1) { load(base + "t/" + hex(key) + ".js", function () { shards[key] = {}; resolve(); }); }
    });
  }
  function whenChunk(n) {
    return new Promise(function (resolve) {
      if (chunks[n]) { return resolve(); }
      var w = chunkWaiters[n] || (chunkWaiters[n] = []);
      if (w.push(resolve) === 1) { load(base + "d/" + n + ".js", function () { chunks[n] = []; resolve(); }); }
    });
  }

  function foldChar(c) {
    if (c === "đ" || c === "Đ") { return "d"; }
    return c.normalize("NFD").replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g, "").toLowerCase();
  }
  // Folded text plus, for each folded character, the index of its original character.
  function foldMap(s) {
    var out = "", map = [];
    for (var i = 0; i < s.length; i++) {
      var f = foldChar(s[i]);
      for (var k = 0; k < f.length; k++) { out += f[k]; map.push(i); }
    }
    return { text: out, map: map };
  }
  function terms(q) {
    return foldMap(q).text.split(/[^\p{L}\p{N}_]+/u).filter(function (t) { return t.length >= 2; });
  }

  function search(q) {
    var ts = terms(q);
    if (!ts.length) { render([], ts); return; }
    whenMeta().then(function () {
      var keys = ts.map(function (t) { return t.slice(0, 2); });
      return Promise.all(keys.map(whenShard)).then(function () {
        // Every term must match (as a prefix of an indexed term); scores add up.
        var scores = null;
        ts.forEach(function (t) {
          var shard = shards[t.slice(0, 2)] || {};
          var found = {};
          Object.keys(shard).forEach(function (term) {
            if (term.lastIndexOf(t, 0) !== 0) { return; }
            var p = shard[term], exact = term === t ? 2 : 1;
            for (var i = 0; i < p.length; i += 2) { found[p[i]] = (found[p[i]] || 0) + p[i + 1] * exact; }
          });
          if (scores === null) { scores = found; return; }
          var next = {};
          Object.keys(scores).forEach(function (d) { if (found[d]) { next[d] = scores[d] + found[d]; } });
          scores = next;
        });
        var ranked = Object.keys(scores || {}).map(Number).sort(function (a, b) {
          return scores[b] - scores[a] || a - b;
        }).slice(0, 20);
        var need = {};
        ranked.forEach(function (d) { need[Math.floor(d / meta.chunk)] = true; });
        return Promise.all(Object.keys(need).map(Number).map(whenChunk)).then(function () {
          if (input.value !== q) { return; }
          render(ranked.map(function (d) {
            var row = (chunks[Math.floor(d / meta.chunk)] || [])[d % meta.chunk];
            return row ? { url: row[0], title: row[1], heading: row[2], text: row[3] } : null;
          }).filter(Boolean), ts);
        });
      });
    });
  }

  // Appends `text` to `parent`, with every match of a term wrapped in <mark>: text nodes only.
  function appendMarked(parent, text, ts) {
    var fm = foldMap(text), hits = [];
    ts.forEach(function (t) {
      var from = 0, at;
      while ((at = fm.text.indexOf(t, from)) >= 0) { hits.push([at, at + t.length]); from = at + t.length; }
    });
    hits.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    hits.forEach(function (h) {
      var s = fm.map[h[0]], e = fm.map[h[1] - 1] + 1;
      if (s < pos) { return; }
      parent.appendChild(document.createTextNode(text.slice(pos, s)));
      var m = document.createElement("mark");
      m.textContent = text.slice(s, e);
      parent.appendChild(m);
      pos = e;
    });
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }
  function snippet(text, ts) {
    var fm = foldMap(text), first = -1;
    ts.forEach(function (t) { var i = fm.text.indexOf(t); if (i >= 0 && (first < 0 || i < first)) { first = i; } });
    var start = first < 0 ? 0 : Math.max(0, fm.map[first] - 60);
    var s = text.slice(start, start + 180);
    return (start > 0 ? "… " : "") + s + (start + 180 < text.length ? " …" : "");
  }

  function render(results, ts) {
    current = results;
    selected = -1;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    input.removeAttribute("aria-activedescendant");
    if (!input.value.trim()) { list.hidden = true; announce(""); input.setAttribute("aria-expanded", "false"); return; }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (!results.length) {
      var li = document.createElement("li");
      li.className = "search-empty";
      li.setAttribute("role", "option");
      li.setAttribute("aria-disabled", "true");
      li.textContent = noResults;
      list.appendChild(li);
      announce(noResults);
      return;
    }
    announce(results.length + " " + resultsWord);
    // Each result is an option of the listbox (the link itself, so that no option holds
    // another interactive element); the list items are only layout.
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "none");
      var a = document.createElement("a");
      a.id = "search-result-" + i;
      a.setAttribute("role", "option");
      a.setAttribute("aria-selected", "false");
      a.tabIndex = -1;
      a.href = root + r.url;
      var title = document.createElement("span");
      title.className = "search-title";
      appendMarked(title, r.heading && r.heading !== r.title ? r.title + " › " + r.heading : r.title, ts);
      var snip = document.createElement("span");
      snip.className = "search-snippet";
      appendMarked(snip, snippet(r.text, ts), ts);
      a.appendChild(title);
      a.appendChild(snip);
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  function announce(text) {
    if (status && status.textContent !== text) { status.textContent = text; }
  }

  function select(i) {
    var items = list.querySelectorAll("a[role=option]");
    if (!items.length) { return; }
    selected = (i + items.length) % items.length;
    items.forEach(function (el, k) {
      el.parentNode.classList.toggle("selected", k === selected);
      el.setAttribute("aria-selected", k === selected ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", items[selected].id);
    items[selected].scrollIntoView({ block: "nearest" });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value;
    timer = setTimeout(function () { search(q); }, 60);
  });
  input.addEventListener("focus", function () { whenMeta(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); select(selected + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); select(selected - 1); }
    else if (e.key === "Enter") {
      var items = list.querySelectorAll("a[role=option]");
      var target = items[selected >= 0 ? selected : 0];
      if (target) { e.preventDefault(); window.location.href = target.href; }
    } else if (e.key === "Escape") { input.value = ""; render([], []); input.blur(); }
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target, typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
    if (!typing && !e.ctrlKey && !e.metaKey && !e.altKey && (e.key === "/" || e.key === "s")) {
      e.preventDefault();
      input.focus();
    }
  });
  document.addEventListener("click", function (e) {
    if (box && !box.contains(e.target)) { list.hidden = true; }
  });
  input.addEventListener("focus", function () { if (list.firstChild && input.value.trim()) { list.hidden = false; } });
})();
