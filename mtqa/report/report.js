/* mtqa HTML report: filters, the text view switch, and the review (accept or reject every
   edit, the live result, downloads, decisions saved in this browser).
   No network, no eval, no innerHTML: article text is only ever written with textContent. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  // ---- filters: severity, category, origin ------------------------------------------
  var hidden = { sev: {}, cat: {}, origin: {} };

  function passes(dim, values) {
    // an element without a value for a dimension (an edit without a finding) passes it
    if (!values) return true;
    return values.split(" ").some(function (v) { return !hidden[dim][v]; });
  }

  function shownAttrs(el) {
    return passes("sev", el.getAttribute("data-sev")) && passes("cat", el.getAttribute("data-cat")) &&
      passes("origin", el.getAttribute("data-origin"));
  }

  function applyFilter() {
    document.querySelectorAll("[data-sev]").forEach(function (el) {
      el.classList.toggle("off", !shownAttrs(el));
    });
    document.querySelectorAll(".sgroup").forEach(function (g) {
      g.classList.toggle("off", !g.querySelector(".finding:not(.off), .orphan"));
    });
    docs.forEach(render);
  }

  ["sev", "cat", "origin"].forEach(function (dim) {
    document.querySelectorAll("input[data-filter-" + dim + "]").forEach(function (box) {
      box.addEventListener("change", function () {
        hidden[dim][box.value] = !box.checked;
        applyFilter();
      });
    });
  });
  document.querySelectorAll('input[name="view"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked) root.setAttribute("data-view", radio.value);
    });
  });

  // ---- review: state ------------------------------------------------------------------
  var docs = [];
  var cur = null; // { d: doc, k: edit index } or null before the first move
  var undoStack = [];
  var armed = null; // a guard-rejected edit waiting for its second "accept"
  var LABEL = { accepted: "Accepted", rejected: "Rejected", pending: "Pending" };
  var ICON = { accepted: "\u2713", rejected: "\u2717", pending: "\u2022" };

  // The same rule as mtqa.decisions.overlaps (on UTF-16 offsets, which keep the order).
  function overlaps(a, b) {
    if (a.s16 === a.e16 && b.s16 === b.e16) return a.s16 === b.s16;
    if (a.s16 === a.e16) return b.s16 < a.s16 && a.s16 < b.e16;
    if (b.s16 === b.e16) return a.s16 < b.s16 && b.s16 < a.e16;
    return a.s16 < b.e16 && b.s16 < a.e16;
  }

  function visible(e) {
    return passes("sev", e.sev) && passes("cat", e.cat) && passes("origin", e.entry.origin);
  }

  function editKey(e) {
    return [e.entry.start, e.entry.end, e.entry.rule_id, e.entry.replacement].join(":");
  }

  function storeKey(d) {
    return "mtqa-review:v1:" + d.data.key + ":" + d.data.sha256;
  }

  function defaults(d) {
    // what `mtqa fix` does: applied edits accepted (never two that overlap), the rest pending
    var st = d.edits.map(function () { return "pending"; });
    d.order.forEach(function (k) {
      var e = d.edits[k];
      if (e.status === "applied" && !conflicts(d, st, e).length) st[k] = "accepted";
    });
    return st;
  }

  function conflicts(d, st, e) {
    return d.edits.filter(function (o) { return o.k !== e.k && st[o.k] === "accepted" && overlaps(o, e); });
  }

  function save(d) {
    var states = {};
    d.edits.forEach(function (e) { states[editKey(e)] = d.state[e.k]; });
    try {
      window.localStorage.setItem(storeKey(d), JSON.stringify({ states: states }));
    } catch (err) { /* storage off (private mode, sandbox): decisions last for this visit */ }
  }

  function restore(d) {
    var saved = null;
    try {
      saved = JSON.parse(window.localStorage.getItem(storeKey(d)) || "null");
    } catch (err) { saved = null; }
    if (!saved || typeof saved.states !== "object" || saved.states === null) return 0;
    var st = d.state.slice(), kept = [];
    d.edits.forEach(function (e) {
      var v = saved.states[editKey(e)];
      if (v === "accepted" || v === "rejected" || v === "pending") st[e.k] = v;
    });
    d.order.forEach(function (k) { // a tampered store could hold two overlapping: keep the first
      if (st[k] !== "accepted") return;
      if (kept.some(function (o) { return overlaps(o, d.edits[k]); })) st[k] = "pending";
      else kept.push(d.edits[k]);
    });
    var changedFromDefault = st.filter(function (v, k) { return v !== d.state[k]; }).length;
    d.state = st;
    return changedFromDefault;
  }

  // ---- review: the result -------------------------------------------------------------
  function resultText(d) {
    // mtqa.edits.apply_edits: accepted edits by (start, end), text between them kept as is
    var text = d.data.text, out = [], pos = 0;
    d.order.forEach(function (k) {
      var e = d.edits[k];
      if (d.state[k] !== "accepted") return;
      out.push(text.slice(pos, e.s16), e.entry.replacement);
      pos = e.e16;
    });
    out.push(text.slice(pos));
    return out.join("");
  }

  function decisions(d) {
    return {
      format: "mtqa-decisions",
      version: 1,
      path: d.data.path,
      text_sha256: d.data.sha256,
      signature: d.data.signature,
      edits: d.edits.map(function (e) {
        var entry = {};
        Object.keys(e.entry).forEach(function (key) { entry[key] = e.entry[key]; });
        entry.decision = d.state[e.k];
        return entry;
      })
    };
  }

  function fileNames(path) {
    var base = String(path).split(/[\\/]/).pop().replace(/[^\w.\-]+/g, "-");
    if (!base || base === "-" || base === "-stdin-") base = "document.txt";
    var dot = base.lastIndexOf(".");
    var stem = dot > 0 ? base.slice(0, dot) : base, ext = dot > 0 ? base.slice(dot) : ".txt";
    return { text: stem + ".reviewed" + ext, decisions: stem + ".decisions.json" };
  }

  function download(name, content, type) {
    var url = URL.createObjectURL(new Blob([content], { type: type }));
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  // ---- review: drawing ----------------------------------------------------------------
  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined) x.textContent = text;
    return x;
  }

  function shown(s) { return s.replace(/\r\n?/g, "\n"); } // CR is no line break on screen

  function visibleEnds(s) {
    // in the card and the list a space at either end of a change would be invisible
    return shown(s).replace(/^ +| +$/g, function (m) { return m.replace(/ /g, "\u2423"); });
  }

  function isCur(d, k) { return cur !== null && cur.d === d && cur.k === k; }

  function ghost(d, e) {
    var rep = e.entry.replacement;
    var g = el("span", "rv-ghost", rep ? (e.s16 === e.e16 ? "+ " : "\u2192 ") + shown(rep) : "\u2192 (delete)");
    g.setAttribute("data-k", e.k);
    g.title = e.entry.rule_id + ": suggestion (" + LABEL[d.state[e.k]].toLowerCase() + ")";
    if (isCur(d, e.k)) g.classList.add("cur");
    return g;
  }

  function acceptedChange(d, e) {
    var wrap = el("span", "rv-chg" + (visible(e) ? "" : " quiet") + (isCur(d, e.k) ? " cur" : ""));
    wrap.setAttribute("data-k", e.k);
    wrap.title = e.entry.rule_id + ": accepted";
    var del = el("del");
    wrap.appendChild(del);
    return { wrap: wrap, del: del, e: e };
  }

  function closeChange(open) {
    if (open.e.entry.replacement) open.wrap.appendChild(el("ins", "", shown(open.e.entry.replacement)));
  }

  function atom(d, p, q, inside, blocked) {
    var piece = shown(d.data.text.slice(p, q));
    if (inside) return document.createTextNode(piece);
    var cover = d.edits.filter(function (e) {
      return e.s16 <= p && q <= e.e16 && e.s16 < e.e16 && d.state[e.k] !== "accepted" && visible(e);
    });
    if (!cover.length) return document.createTextNode(piece);
    cover.sort(function (a, b) { return (a.e16 - a.s16) - (b.e16 - b.s16); }); // the innermost first
    var pending = cover.some(function (e) { return d.state[e.k] === "pending"; });
    var span = el("span", "rv-t " + (pending ? "pen" : "rej"), piece);
    if (cover.some(function (e) { return e.status === "rejected"; })) span.classList.add("guard");
    if (cover.some(function (e) { return isCur(d, e.k); })) span.classList.add("cur");
    if (cover.some(function (e) { return blocked[e.k]; })) span.classList.add("blocked");
    span.setAttribute("data-k", cover[0].k);
    span.title = cover.map(function (e) { return e.entry.rule_id + ": " + LABEL[d.state[e.k]].toLowerCase(); }).join("\n");
    return span;
  }

  function renderText(d) {
    var box = d.parts.text, text = d.data.text, E = d.edits, st = d.state;
    box.textContent = "";
    var cuts = [0, text.length];
    E.forEach(function (e) { cuts.push(e.s16, e.e16); });
    cuts = cuts.sort(function (a, b) { return a - b; }).filter(function (x, i, a) { return i === 0 || x !== a[i - 1]; });
    var accepted = E.filter(function (e) { return st[e.k] === "accepted"; });
    var blocked = {}; // undecided edits that overlap an accepted one: no suggestion drawn
    E.forEach(function (e) {
      if (st[e.k] !== "accepted" && accepted.some(function (a) { return overlaps(a, e); })) blocked[e.k] = true;
    });
    var out = box, open = null;
    function suggests(e) { return st[e.k] === "pending" && !blocked[e.k] && visible(e); }
    cuts.forEach(function (p, i) {
      // at each offset, in apply_edits order: what ends here, insertions here, what starts here
      if (open && open.e.e16 === p) { closeChange(open); open = null; out = box; }
      E.forEach(function (e) { if (e.e16 === p && e.s16 < p && suggests(e)) box.appendChild(ghost(d, e)); });
      E.forEach(function (e) {
        if (e.s16 !== p || e.e16 !== p) return;
        if (st[e.k] === "accepted") { var c = acceptedChange(d, e); box.appendChild(c.wrap); closeChange(c); }
        else if (suggests(e)) box.appendChild(ghost(d, e));
      });
      var starting = accepted.filter(function (e) { return e.s16 === p && e.e16 > p; })[0];
      if (starting) { open = acceptedChange(d, starting); box.appendChild(open.wrap); out = open.del; }
      if (i + 1 < cuts.length) out.appendChild(atom(d, p, cuts[i + 1], open !== null, blocked));
    });
  }

  function changeLine(e) {
    var p = el("p", "rv-change");
    var o = e.entry.original, r = e.entry.replacement;
    p.appendChild(o ? el("del", "", visibleEnds(o)) : el("i", "", "(insertion)"));
    p.appendChild(document.createTextNode(" \u2192 "));
    p.appendChild(r ? el("ins", "", visibleEnds(r)) : el("i", "", "(delete)"));
    return p;
  }

  function statusText(d, e) {
    var reason = e.entry.reason || "", model = e.entry.origin === "model" ? "Model suggestion. " : "";
    var blockers = conflicts(d, d.state, e).map(function (o) { return o.entry.rule_id; });
    var s;
    if (e.status === "applied") s = "Applied by default: a safe fix (mtqa fix applies it).";
    else if (e.status === "rejected") s = "Rejected by the meaning guard (" + (reason.split(":")[1] || reason) +
      "): it may change a number, name, quotation or negation. Accept only if the meaning is kept.";
    else if (reason.indexOf("overlap") === 0) s = "Suggestion that lost an overlap" + (reason.split(":")[1] ? " to " + reason.split(":")[1] : "") + ".";
    else if (reason === "unsafe") s = "Suggestion: not a safe fix, it needs an editor\u2019s judgement.";
    else s = "Suggestion, not applied (" + (reason || "no reason given") + ").";
    if (blockers.length && d.state[e.k] !== "accepted") s += " Overlaps the accepted " + blockers.join(", ") + ": accepting this one rejects it.";
    return model + s;
  }

  function renderCard(d) {
    var card = d.parts.card;
    card.textContent = "";
    if (cur === null || cur.d !== d) {
      card.appendChild(el("p", "rv-hint", "Press J for the first change, or click one in the text."));
      return;
    }
    var e = d.edits[cur.k], st = d.state[cur.k];
    var vis = d.order.filter(function (k) { return visible(d.edits[k]); });
    var head = el("div", "rv-card-head");
    head.appendChild(el("span", "rv-pos", (vis.indexOf(cur.k) + 1 || "\u2013") + " / " + vis.length));
    if (e.sev) head.appendChild(el("span", "badge sev-" + e.sev, e.sev));
    head.appendChild(el("code", "rid", e.entry.rule_id));
    if (e.cat) head.appendChild(el("span", "cat", e.cat));
    head.appendChild(el("span", "origin", e.entry.origin));
    head.appendChild(el("span", "rv-state " + st, LABEL[st]));
    card.appendChild(head);
    card.appendChild(changeLine(e));
    if (e.msg) card.appendChild(el("p", "rv-why", e.msg));
    card.appendChild(el("p", "rv-status st-" + e.status, statusText(d, e)));
    var acts = el("div", "rv-actions");
    var a = el("button", "accept", armed === e ? "Accept anyway " : "Accept ");
    a.type = "button";
    a.setAttribute("data-act", "accept");
    a.appendChild(el("kbd", "", "A"));
    var r = el("button", "reject", "Reject ");
    r.type = "button";
    r.setAttribute("data-act", "reject");
    r.appendChild(el("kbd", "", "R"));
    acts.appendChild(a);
    acts.appendChild(r);
    if (e.fid) {
      var link = el("a", "rv-finding", "finding \u2193");
      link.href = "#" + e.fid;
      acts.appendChild(link);
    }
    card.appendChild(acts);
  }

  function renderList(d) {
    var list = d.parts.list;
    list.textContent = "";
    d.order.forEach(function (k) {
      var e = d.edits[k];
      if (!visible(e)) return;
      var li = el("li", d.state[k] + (isCur(d, k) ? " cur" : "") + (e.status === "rejected" ? " guard" : ""));
      li.setAttribute("data-k", k);
      li.appendChild(el("span", "rv-icon", ICON[d.state[k]]));
      li.appendChild(el("code", "rid", e.entry.rule_id));
      var o = visibleEnds(e.entry.original), r = visibleEnds(e.entry.replacement);
      li.appendChild(el("span", "rv-li-text", (o || "+") + " \u2192 " + (r || "(delete)")));
      list.appendChild(li);
    });
  }

  function renderCount(d) {
    var n = { accepted: 0, rejected: 0, pending: 0 }, off = 0;
    d.edits.forEach(function (e) { n[d.state[e.k]] += 1; if (!visible(e)) off += 1; });
    d.parts.count.textContent = d.edits.length + " changes: " + n.accepted + " accepted, " + n.rejected +
      " rejected, " + n.pending + " pending" + (off ? " (" + off + " hidden by the filters)" : "");
    d.parts.undo.disabled = !undoStack.some(function (u) { return u.d === d; });
  }

  function render(d) {
    renderText(d);
    renderCard(d);
    renderList(d);
    renderCount(d);
    d.parts.live.textContent = shown(resultText(d));
  }

  function say(d, msg) { d.parts.msg.textContent = msg; }

  function scrollToCur() {
    if (cur === null) return;
    var sel = '[data-k="' + cur.k + '"].cur';
    [cur.d.parts.text, cur.d.parts.list].forEach(function (box) {
      var x = box.querySelector(sel) || box.querySelector('[data-k="' + cur.k + '"]');
      if (x) x.scrollIntoView({ block: "nearest" });
    });
  }

  // ---- review: actions ----------------------------------------------------------------
  function remember(d) {
    undoStack.push({ d: d, state: d.state.slice(), cur: cur });
    if (undoStack.length > 500) undoStack.shift();
  }

  function changed(d, msg) {
    save(d);
    render(d);
    say(d, msg);
  }

  function select(d, k, scroll) {
    var prev = cur;
    cur = { d: d, k: k };
    armed = null;
    if (prev && prev.d !== d) render(prev.d);
    render(d);
    if (scroll) scrollToCur();
  }

  function move(step) {
    var all = [];
    docs.forEach(function (d) {
      d.order.forEach(function (k) { if (visible(d.edits[k])) all.push({ d: d, k: k }); });
    });
    if (!all.length) return;
    var at = cur === null ? -1 : all.findIndex(function (x) { return x.d === cur.d && x.k === cur.k; });
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    if (at === next) { say(all[at].d, step > 0 ? "That was the last change." : "That was the first change."); return; }
    select(all[next].d, all[next].k, true);
  }

  function accept(d, k) {
    var e = d.edits[k];
    if (d.state[k] === "accepted") { say(d, e.entry.rule_id + " is already accepted."); return; }
    if (e.status === "rejected" && armed !== e) {
      armed = e; // the guard said no: a second "accept" is needed to overrule it
      render(d);
      say(d, "The meaning guard rejected this change. Press A (or Accept anyway) again to accept it.");
      return;
    }
    armed = null;
    remember(d);
    var lost = conflicts(d, d.state, e);
    lost.forEach(function (o) { d.state[o.k] = "rejected"; });
    d.state[k] = "accepted";
    changed(d, "Accepted " + e.entry.rule_id + (lost.length ? "; rejected the overlapping " +
      lost.map(function (o) { return o.entry.rule_id; }).join(", ") : "") + ".");
  }

  function reject(d, k) {
    armed = null;
    if (d.state[k] === "rejected") { say(d, d.edits[k].entry.rule_id + " is already rejected."); return; }
    remember(d);
    d.state[k] = "rejected";
    changed(d, "Rejected " + d.edits[k].entry.rule_id + ".");
  }

  function acceptSafe(d) {
    remember(d);
    var n = 0;
    d.order.forEach(function (k) {
      var e = d.edits[k];
      if (e.status !== "applied" || d.state[k] === "accepted") return;
      var lost = conflicts(d, d.state, e);
      if (lost.some(function (o) { return o.status === "applied"; })) return; // never two defaults at once
      lost.forEach(function (o) { d.state[o.k] = "rejected"; });
      d.state[k] = "accepted";
      n += 1;
    });
    changed(d, "Accepted " + n + " safe change(s) (the edits mtqa fix applies).");
  }

  function setAll(d, fresh, msg) {
    remember(d);
    d.state = fresh;
    armed = null;
    changed(d, msg);
  }

  function undo(only) {
    // U undoes the last decision anywhere; a document's Undo button, its own last one
    var at = -1;
    for (var i = undoStack.length - 1; i >= 0 && at < 0; i--) if (!only || undoStack[i].d === only) at = i;
    if (at < 0) { if (docs.length) say(only || (cur ? cur.d : docs[0]), "Nothing to undo."); return; }
    var u = undoStack.splice(at, 1)[0];
    u.d.state = u.state;
    var prev = cur;
    cur = u.cur;
    armed = null;
    save(u.d);
    if (prev && prev.d !== u.d) render(prev.d);
    render(u.d);
    scrollToCur();
    say(u.d, "Undone.");
  }

  function act(d, what) {
    if (what === "accept" || what === "reject") {
      if (cur === null || cur.d !== d) { say(d, "Choose a change first (J, or click one)."); return; }
      (what === "accept" ? accept : reject)(d, cur.k);
    } else if (what === "accept-safe") acceptSafe(d);
    else if (what === "reject-all") setAll(d, d.edits.map(function () { return "rejected"; }), "Rejected every change.");
    else if (what === "reset") setAll(d, defaults(d), "Back to what mtqa fix does.");
    else if (what === "undo") undo(d);
    else if (what === "download-text") {
      download(fileNames(d.data.path).text, resultText(d), "text/plain;charset=utf-8");
      say(d, "Downloaded the text with your decisions.");
    } else if (what === "download-decisions") {
      download(fileNames(d.data.path).decisions, JSON.stringify(decisions(d), null, 2) + "\n", "application/json");
      say(d, "Downloaded the decisions (mtqa fix FILE --decisions " + fileNames(d.data.path).decisions + ").");
    }
  }

  // ---- review: wiring -----------------------------------------------------------------
  function setUp(section, n) {
    var data = JSON.parse(section.querySelector("[data-review]").getAttribute("data-review"));
    var d = {
      n: n, el: section, data: data,
      edits: data.edits.map(function (e, k) { e.k = k; return e; }),
      parts: {
        text: section.querySelector("[data-rv-text]"), card: section.querySelector("[data-rv-card]"),
        list: section.querySelector("[data-rv-list]"), live: section.querySelector("[data-rv-live]"),
        count: section.querySelector("[data-rv-count]"), msg: section.querySelector("[data-rv-msg]"),
        undo: section.querySelector('[data-act="undo"]')
      }
    };
    d.order = d.edits.map(function (e) { return e.k; }).sort(function (a, b) {
      var x = d.edits[a], y = d.edits[b];
      return x.s16 - y.s16 || x.e16 - y.e16 || a - b;
    });
    d.state = defaults(d);
    var restored = restore(d);
    section.addEventListener("click", function (ev) {
      var button = ev.target.closest("button[data-act]");
      if (button) { act(d, button.getAttribute("data-act")); return; }
      var pick = ev.target.closest("[data-k]");
      if (pick && (d.parts.text.contains(pick) || d.parts.list.contains(pick))) {
        select(d, Number(pick.getAttribute("data-k")), false);
      }
    });
    section.hidden = false;
    docs.push(d);
    render(d);
    if (restored) say(d, "Restored " + restored + " decision(s) saved in this browser for this text.");
  }

  function typing(t) {
    return t && (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName) ||
      (t.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(t.type)));
  }

  document.addEventListener("keydown", function (ev) {
    if (!docs.length || typing(ev.target) || ev.altKey) return;
    var key = (ev.key || "").toLowerCase();
    if ((ev.ctrlKey || ev.metaKey) && key === "z" && !ev.shiftKey) { ev.preventDefault(); undo(); return; }
    if (ev.ctrlKey || ev.metaKey) return;
    var d = cur ? cur.d : docs[0];
    var handled = true;
    if (key === "j" || key === "n") move(1);
    else if (key === "k" || key === "p") move(-1);
    else if (key === "a") act(d, "accept");
    else if (key === "r" || key === "x") act(d, "reject");
    else if (key === "u") undo();
    else if (key === "escape" && armed) { armed = null; render(d); say(d, "Not accepted."); }
    else handled = false;
    if (handled) ev.preventDefault();
  });

  function stickyOffset() {
    // the sticky header's and review bar's heights, so that a change scrolled to is not
    // hidden under them
    var top = document.querySelector(".top"), bar = document.querySelector(".rv-bar");
    var h = top && getComputedStyle(top).position === "sticky" ? top.offsetHeight : 0;
    root.style.setProperty("--top-h", h + "px");
    root.style.setProperty("--bar-h", (bar ? bar.offsetHeight : 0) + "px");
  }
  document.querySelectorAll("section.review").forEach(setUp);
  window.addEventListener("resize", stickyOffset);
  stickyOffset(); // after setUp: the review bars are shown by then
})();
