// note2fhir report and live demo. Data comes from the JSON data blocks
// with id "n2f-data-K" (the report) or from /api/extract (the live page).
// Everything shown is set with textContent; no data is parsed as HTML.
// Invisible and bidi control characters are shown as "⟨U+XXXX⟩", never
// left to act on the text around them (the set of escape.rs is_hidden).
(function () {
  "use strict";
  var FLAGS = [
    ["negated", "neg", "no", "negated"],
    ["uncertain", "unc", "?", "uncertain"],
    ["family", "fam", "FH", "family history"],
    ["historical", "hist", "past", "historical"],
    ["hypothetical", "hyp", "if", "hypothetical"]
  ];
  var KINDS = { problem: "Problem", medication: "Medication", allergy: "Allergy", date: "Date / time" };
  var SYSTEMS = {
    "http://snomed.info/sct": "SNOMED CT",
    "http://loinc.org": "LOINC",
    "http://fdasis.nlm.nih.gov": "UNII",
    "https://go.drugbank.com/drugs": "DrugBank",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm"
  };
  var store = Object.create(null);
  var pinned = Object.create(null);
  // Keep in step with is_hidden in src/report/escape.rs.
  var HIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFF9-\uFFFB]|\uDB40[\uDC01\uDC20-\uDC7F]/g;

  function codeOf(ch) {
    var hex = ch.codePointAt(0).toString(16).toUpperCase();
    return "⟨U+" + "0000".slice(hex.length) + hex + "⟩";
  }
  // Text with each hidden character written out.
  function plain(s) {
    return String(s).replace(HIDDEN, codeOf);
  }
  // JSON text with each hidden character as a \uXXXX escape: the same JSON.
  function jsonShown(s) {
    return s.replace(HIDDEN, function (ch) {
      return ch.split("").map(function (u) {
        return "\\u" + ("000" + u.charCodeAt(0).toString(16)).slice(-4);
      }).join("");
    });
  }
  // Appends text to node, each hidden character as a badge.
  function appendShown(node, s) {
    s = String(s);
    var last = 0, m;
    HIDDEN.lastIndex = 0;
    while ((m = HIDDEN.exec(s)) !== null) {
      if (m.index > last) node.appendChild(document.createTextNode(s.slice(last, m.index)));
      var badge = document.createElement("span");
      badge.className = "n2f-cc";
      badge.title = "hidden in the note";
      badge.textContent = codeOf(m[0]);
      node.appendChild(badge);
      last = m.index + m[0].length;
    }
    if (last < s.length) node.appendChild(document.createTextNode(s.slice(last)));
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = plain(text);
    return e;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function kindOf(m) {
    return m && Object.prototype.hasOwnProperty.call(KINDS, m.kind) ? m.kind : "other";
  }
  function label(m) {
    if (m.concept && typeof m.concept.display === "string") return m.concept.display;
    if (m.date && typeof m.date.value === "string") return m.date.value;
    return typeof m.text === "string" ? m.text : "";
  }
  function isObj(v) {
    return v !== null && typeof v === "object";
  }

  function resourcesOf(bundle) {
    var out = Object.create(null);
    (isObj(bundle) && Array.isArray(bundle.entry) ? bundle.entry : []).forEach(function (e) {
      var r = isObj(e) ? e.resource : null;
      if (isObj(r) && typeof r.id === "string" && !(r.id in out)) out[r.id] = r;
    });
    return out;
  }
  // Pretty JSON with resourceType and id first, as FHIR examples are
  // written (the data may arrive with its keys sorted).
  function pretty(value) {
    return jsonShown(JSON.stringify(value, function (key, v) {
      if (!isObj(v) || Array.isArray(v) || !("resourceType" in v)) return v;
      var o = { resourceType: v.resourceType };
      if ("id" in v) o.id = v.id;
      Object.keys(v).forEach(function (k) { if (!(k in o)) o[k] = v[k]; });
      return o;
    }, 2) || "");
  }
  function renderBundle(section, bundle) {
    var pre = section.querySelector(".n2f-bundle .n2f-json");
    if (pre) pre.textContent = bundle === undefined ? "" : pretty(bundle);
  }

  function dataFor(section) {
    var key = section.getAttribute("data-note");
    if (!(key in store)) {
      var node = document.getElementById("n2f-data-" + key);
      var data = null;
      try {
        data = node ? JSON.parse(node.textContent) : null;
      } catch (e) {
        data = null;
      }
      store[key] = isObj(data) ? data : {};
    }
    var d = store[key];
    if (!Array.isArray(d.mentions)) d.mentions = [];
    if (!d.resources) d.resources = resourcesOf(d.bundle);
    return d;
  }

  // The same rule as src/report/highlight.rs: by start, longest first, then
  // input order; a mention starting inside the previous mark is skipped.
  function layout(n, mentions) {
    var cands = [], skipped = [], marked = [], done = 0;
    mentions.forEach(function (m, i) {
      var s = isObj(m) ? m.start : null, e = isObj(m) ? m.end : null;
      if (Number.isInteger(s) && Number.isInteger(e) && s >= 0 && s < e && e <= n) cands.push([s, e, i]);
      else skipped.push(i);
    });
    cands.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1] || a[2] - b[2]; });
    cands.forEach(function (c) {
      if (c[0] >= done) { marked.push(c); done = c[1]; } else skipped.push(c[2]);
    });
    skipped.sort(function (a, b) { return a - b; });
    return { marked: marked, skipped: skipped };
  }

  function mentionNode(tag, m, i) {
    var node = el(tag, "m m-" + kindOf(m));
    var badges = [];
    FLAGS.forEach(function (f) {
      if (isObj(m.assertion) && m.assertion[f[0]] === true) {
        node.classList.add("is-" + f[1]);
        badges.push(f[2]);
      }
    });
    node.setAttribute("data-m", String(i));
    if (badges.length) node.setAttribute("data-badges", badges.join(" "));
    node.title = plain(label(m));
    return node;
  }

  // Live page only: the report's marks are written by the server side.
  function renderText(section, text, mentions) {
    var box = section.querySelector(".n2f-text");
    var skip = section.querySelector(".n2f-skipped");
    var cps = Array.from(text); // offsets are Unicode code points
    var lay = layout(cps.length, mentions);
    var pos = 0;
    clear(box);
    lay.marked.forEach(function (c) {
      appendShown(box, cps.slice(pos, c[0]).join(""));
      var mark = mentionNode("mark", mentions[c[2]], c[2]);
      mark.tabIndex = 0;
      mark.setAttribute("role", "button");
      appendShown(mark, cps.slice(c[0], c[1]).join(""));
      box.appendChild(mark);
      pos = c[1];
    });
    appendShown(box, cps.slice(pos).join(""));
    clear(skip);
    skip.hidden = lay.skipped.length === 0;
    if (lay.skipped.length) {
      skip.appendChild(document.createTextNode("Not highlighted (overlaps another): "));
      lay.skipped.forEach(function (i) {
        var b = mentionNode("button", isObj(mentions[i]) ? mentions[i] : {}, i);
        b.type = "button";
        appendShown(b, isObj(mentions[i]) && typeof mentions[i].text === "string" ? mentions[i].text : "?");
        skip.appendChild(b);
        skip.appendChild(document.createTextNode(" "));
      });
    }
  }

  function amount(a) {
    if (!isObj(a)) return null;
    var unit = a.unit_text || a.unit || "";
    var s = a.low != null && a.high != null ? a.low + "–" + a.high : String(a.value);
    s += unit ? " " + unit : "";
    if (isObj(a.per)) s += " per " + a.per.value + " " + a.per.unit;
    return s;
  }
  function textOf(t) {
    return isObj(t) && typeof t.text === "string" ? t.text : null;
  }
  function yes(b) {
    return b === true ? "yes" : null;
  }

  function row(dl, name, value) {
    if (value === null || value === undefined || value === "" || value === false) return;
    dl.appendChild(el("dt", null, name));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = plain(value);
    dl.appendChild(dd);
  }
  function list(items) {
    var ul = el("ul");
    items.forEach(function (item) {
      var li = el("li");
      item.forEach(function (part) {
        if (part instanceof Node) li.appendChild(part);
        else li.appendChild(document.createTextNode(plain(part)));
      });
      ul.appendChild(li);
    });
    return ul;
  }
  function byId(data, id) {
    var found = null;
    (data.mentions || []).forEach(function (m) { if (isObj(m) && m.id === id && !found) found = m; });
    return found;
  }

  function medicationRows(dl, med) {
    row(dl, "Sig", textOf(med.sig));
    row(dl, "Strength", amount(med.strength));
    row(dl, "Dose", amount(med.dose));
    row(dl, "Route", isObj(med.route) ? med.route.text + (med.route.code !== med.route.text ? " (" + med.route.code + ")" : "") : null);
    if (isObj(med.frequency)) {
      var f = med.frequency;
      row(dl, "Frequency", f.text + (f.code ? " (" + f.code + ")" : "") +
        (f.per_day != null ? ", " + f.per_day + " a day" : "") + (f.stat ? ", stat" : ""));
    }
    row(dl, "Max", isObj(med.max_per_period) ? med.max_per_period.value + " " + med.max_per_period.unit +
      " per " + med.max_per_period.period + " " + med.max_per_period.period_unit : null);
    row(dl, "As needed", med.as_needed === true ? "yes" + (textOf(med.as_needed_reason) ?
      " (" + textOf(med.as_needed_reason) + ")" : "") : null);
    row(dl, "Duration", isObj(med.duration) ? med.duration.text : null);
    row(dl, "Form", textOf(med.form));
    row(dl, "Rate", amount(med.rate));
    row(dl, "Indication", textOf(med.indication));
    row(dl, "Status", med.status ? med.status + (textOf(med.status_cue) ? " (“" + textOf(med.status_cue) + "”)" : "") : null);
    row(dl, "Started here", yes(med.started));
    row(dl, "Change", med.change);
    if (Array.isArray(med.more) && med.more.length) {
      row(dl, "Then", list(med.more.map(function (d) { return [textOf(d.sig) || JSON.stringify(d)]; })));
    }
  }

  function show(section, idx) {
    var data = dataFor(section);
    var m = (data.mentions || [])[idx];
    var panel = section.querySelector(".n2f-panel");
    if (!isObj(m) || !panel) return;
    section.querySelectorAll(".is-sel").forEach(function (x) { x.classList.remove("is-sel"); });
    section.querySelectorAll("[data-m]").forEach(function (x) {
      if (x.getAttribute("data-m") === String(idx)) x.classList.add("is-sel");
    });
    clear(panel);
    var kind = kindOf(m);
    var h = el("h3");
    h.appendChild(el("span", "n2f-kind m-" + kind, KINDS[kind] || String(m.kind)));
    h.appendChild(document.createTextNode("“" + plain(m.text || "") + "”"));
    panel.appendChild(h);
    if (m.concept) panel.appendChild(el("p", null, label(m)));
    var flags = el("p");
    FLAGS.forEach(function (f) {
      if (isObj(m.assertion) && m.assertion[f[0]] === true) flags.appendChild(el("span", "n2f-flag", f[2] + " = " + f[3]));
    });
    if (flags.firstChild) panel.appendChild(flags);

    var dl = el("dl");
    if (isObj(m.concept) && Array.isArray(m.concept.codes)) {
      row(dl, "Codes", list(m.concept.codes.map(function (c) {
        return [SYSTEMS[c.system] || "", " ", el("code", null, c.code), " ", label(m), " ",
          el("span", "n2f-sys", c.system)];
      })));
      row(dl, "Combination", yes(m.concept.combination));
    }
    if (isObj(m.date)) {
      var d = m.date;
      row(dl, "Date value", d.value);
      row(dl, "Type", d.type);
      row(dl, "Precision", d.precision);
      row(dl, "Relative", d.relative === true ? "yes, to " + d.anchor : null);
      row(dl, "FHIR dateTime", d.fhir);
    }
    row(dl, "Section", typeof m.section === "string" ? m.section.replace(/_/g, " ") : null);
    row(dl, "Certainty", m.certainty);
    row(dl, "Relation", m.relation);
    if (m.date_id) {
      var dm = byId(data, m.date_id);
      row(dl, "Date", dm ? "“" + dm.text + "” = " + label(dm) : m.date_id);
    }
    if (isObj(m.medication)) medicationRows(dl, m.medication);
    if (isObj(m.allergy)) {
      var a = m.allergy;
      row(dl, "Reactions", Array.isArray(a.reactions) && a.reactions.length ? a.reactions.map(function (id) {
        var r = byId(data, id);
        return r ? r.text : id;
      }).join(", ") : null);
      row(dl, "Statement", yes(a.statement));
      row(dl, "Overridden", yes(a.overridden));
    }
    if (isObj(m.explain)) {
      var cues = Array.isArray(m.explain.cues) ? m.explain.cues : [];
      if (m.kind !== "date") {
        row(dl, "Context cues", cues.length ? list(cues.map(function (c) {
          return [el("b", null, c.category), ": “" + c.text + "”"];
        })) : "none: affirmed, current, about the patient");
      }
      row(dl, "Rule", el("code", null, m.explain.rule));
    }
    var res = isObj(m.fhir) && typeof m.fhir.id === "string" ? data.resources[m.fhir.id] : null;
    row(dl, "FHIR", isObj(m.fhir) ? m.fhir.type + " " + m.fhir.id : "no resource for this mention");
    panel.appendChild(dl);
    if (res) panel.appendChild(el("pre", "n2f-json", pretty(res)));
  }

  function fromEvent(ev) {
    var t = ev.target;
    var m = t && t.closest ? t.closest("[data-m]") : null;
    var section = m ? m.closest("[data-note]") : null;
    return section ? { m: m, section: section, key: section.getAttribute("data-note") } : null;
  }
  document.addEventListener("click", function (ev) {
    var hit = fromEvent(ev);
    if (!hit) return;
    var idx = Number(hit.m.getAttribute("data-m"));
    pinned[hit.key] = pinned[hit.key] === idx ? undefined : idx;
    show(hit.section, idx);
  });
  document.addEventListener("mouseover", function (ev) {
    var hit = fromEvent(ev);
    if (hit && pinned[hit.key] === undefined) show(hit.section, Number(hit.m.getAttribute("data-m")));
  });
  document.addEventListener("focusin", function (ev) {
    var hit = fromEvent(ev);
    if (hit) show(hit.section, Number(hit.m.getAttribute("data-m")));
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") pinned = Object.create(null);
  });

  // The report: pretty-print each note's bundle beside it.
  document.querySelectorAll(".n2f-note[data-note]").forEach(function (section) {
    if (document.getElementById("n2f-data-" + section.getAttribute("data-note"))) {
      renderBundle(section, dataFor(section).bundle);
    }
  });

  // The live page.
  var form = document.getElementById("n2f-form");
  if (!form) return;
  var input = document.getElementById("n2f-input");
  var go = document.getElementById("n2f-go");
  var status = document.getElementById("n2f-status");
  var section = document.querySelector('[data-note="demo"]');

  function run() {
    var text = input.value;
    go.disabled = true;
    status.className = "";
    status.textContent = "Structuring…";
    fetch("/api/extract?format=both", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ id: "demo", text: text })
    }).then(function (res) {
      return res.text().then(function (body) {
        if (!res.ok) throw new Error("HTTP " + res.status + ": " + body.slice(0, 300));
        return JSON.parse(body);
      });
    }).then(function (out) {
      var mo = isObj(out) && isObj(out.mentions) ? out.mentions : {};
      var mentions = Array.isArray(mo.mentions) ? mo.mentions : [];
      store.demo = { note_id: "demo", note_date: mo.note_date || null, mentions: mentions, bundle: out.bundle };
      pinned.demo = undefined;
      renderText(section, text, mentions);
      var panel = section.querySelector(".n2f-panel");
      clear(panel);
      panel.appendChild(el("p", "n2f-hint", "Hover over or click a highlighted phrase for details."));
      renderBundle(section, out.bundle);
      var n = isObj(out.bundle) && Array.isArray(out.bundle.entry) ? out.bundle.entry.length : 0;
      section.querySelector(".n2f-bundle summary").textContent = "FHIR Bundle · " + n + " resource" + (n === 1 ? "" : "s");
      status.textContent = mentions.length + " mention" + (mentions.length === 1 ? "" : "s") + " found";
    }).catch(function (err) {
      status.className = "n2f-error";
      status.textContent = "Could not structure the note: " + plain(err.message);
    }).then(function () {
      go.disabled = false;
    });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    run();
  });
  run();
})();
