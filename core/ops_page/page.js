"use strict";
// Every value from the API goes into the page through textContent (never innerHTML): record messages
// quote what shops sent.
(function () {
  // Signed in (Entra ID): the App Service session cookie goes with every same-origin fetch, no key at all.
  // Without sign-in configured the page is opened with the master key in its address; it is read from there
  // and sent as a header, and never put into any URL or link the page builds.
  const key = new URLSearchParams(window.location.search).get("code") || "";
  let canRetry = true;
  const refreshSeconds = parseInt(document.body.dataset.refresh, 10) || 30;
  // The record page waits for the first status answer: it says whether the viewer may retry.
  let knowViewer;
  const viewerKnown = new Promise(function (resolve) { knowViewer = resolve; });
  const OUTCOMES = ["success", "skipped", "needs_attention", "failed"];
  const LABELS = { received: "Waiting", success: "Done", skipped: "Skipped", needs_attention: "Needs attention",
    failed: "Failed" };

  function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    if (key) opts.headers["x-functions-key"] = key;
    return fetch(path, opts).then(function (response) {
      return response.text().then(function (text) {
        let body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = { error: text }; }
        if (!response.ok) {
          const reason = response.status === 401 && !(body && body.error)
            ? "Not signed in (or the key is missing or wrong): reload the page to sign in."
            : (body && body.error) || ("HTTP " + response.status);
          throw new Error(reason);
        }
        return body;
      });
    });
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString();
  }

  function banner(text) {
    const b = document.getElementById("banner");
    b.textContent = text || "";
    b.hidden = !text;
  }

  // `attention`: the records that need a person now (the attention list; ATTENTION_LIMIT at most);
  // the other cards are today's outcomes (History counters) and the queues.
  const ATTENTION_LIMIT = 200;
  function renderSummary(status, attention) {
    const box = document.getElementById("summary");
    box.replaceChildren();
    const by = status.by_status || {};
    let poison = 0, waiting = 0;
    Object.values(status.queues || {}).forEach(function (q) { poison += q.poison || 0; waiting += q.waiting || 0; });
    const open = attention.length >= ATTENTION_LIMIT ? ATTENTION_LIMIT + "+" : attention.length;
    [["Needs attention now", open, attention.length > 0 ? "bad" : "ok"],
     ["Done today", by.success || 0, ""], ["Skipped today", by.skipped || 0, ""],
     ["Failed today", by.failed || 0, by.failed ? "bad" : ""], ["Waiting in queues", waiting, ""],
     ["Stuck in poison queues", poison, poison > 0 ? "bad" : "ok"]].forEach(function (c) {
      const card = el("div", null, "card " + c[2]);
      card.appendChild(el("div", c[1], "n"));
      card.appendChild(el("div", c[0]));
      box.appendChild(card);
    });
  }

  function renderCounts(status) {
    const body = document.querySelector("#counts tbody");
    body.replaceChildren();
    document.getElementById("counts-day").textContent = status.day || "";
    Object.keys(status.by_flow || {}).forEach(function (flow) {
      const counts = status.by_flow[flow];
      const tr = el("tr");
      tr.appendChild(el("td", flow));
      OUTCOMES.forEach(function (s) {
        const n = counts[s] || 0;
        tr.appendChild(el("td", n, "num" + ((s === "failed" || s === "needs_attention") && n ? " bad" : "")));
      });
      body.appendChild(tr);
    });
    const qbody = document.querySelector("#queues tbody");
    qbody.replaceChildren();
    Object.keys(status.queues || {}).forEach(function (name) {
      const q = status.queues[name];
      const tr = el("tr");
      tr.appendChild(el("td", name));
      tr.appendChild(el("td", q.waiting === null ? "—" : q.waiting, "num"));
      tr.appendChild(el("td", q.poison === null ? "—" : q.poison, "num" + (q.poison ? " bad" : "")));
      qbody.appendChild(tr);
    });
  }

  function retryButton(record, tag, after) {
    const cell = el(tag || "td");
    const button = el("button", "Retry", "retry");
    button.type = "button";
    button.title = "Process the stored payload of this record again";
    button.addEventListener("click", function () {
      button.disabled = true;
      const note = cell.querySelector(".done, .error");
      if (note) note.remove();
      api("retry", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ flow: record.flow, shop: record.shop, external_id: record.external_id }),
      }).then(function () {
        cell.appendChild(el("div", "Queued again", "done"));
        setTimeout(after || refresh, 1500);
      }).catch(function (err) {
        button.disabled = false;
        cell.appendChild(el("div", "Retry failed: " + err.message, "error"));
      });
    });
    cell.appendChild(button);
    return cell;
  }

  function renderAttention(records) {
    document.getElementById("empty").hidden = records.length > 0;
    document.getElementById("attention").hidden = records.length === 0;
    renderRecords(document.querySelector("#attention tbody"), records);
  }

  const FILTERS = { flow: "filter-flow", shop: "filter-shop", status: "filter-status", from: "filter-from",
    to: "filter-to" };

  function chosenFilters() {
    const params = new URLSearchParams();
    Object.keys(FILTERS).forEach(function (name) {
      const value = document.getElementById(FILTERS[name]).value;
      if (value) params.set(name, value);
    });
    return params;
  }

  // The flows and shops to choose from: those in the history and in today's counts.
  function addFilterChoices(flows, shops) {
    [["filter-flow", flows], ["filter-shop", shops]].forEach(function (pair) {
      const select = document.getElementById(pair[0]);
      const known = Array.prototype.map.call(select.options, function (o) { return o.value; });
      pair[1].slice().sort().forEach(function (value) {
        if (!value || known.indexOf(value) >= 0) return;
        known.push(value);
        const option = el("option", value);
        option.value = value;
        select.appendChild(option);
      });
    });
  }

  function search() {
    const text = document.getElementById("search-text").value.trim();
    const note = document.getElementById("search-note");
    const table = document.getElementById("found");
    const params = chosenFilters();
    const filtered = params.toString() !== "";
    if (!text && !filtered) { note.textContent = ""; table.hidden = true; return; }
    note.textContent = text ? "Searching…" : "Listing…";
    params.set("limit", text ? "50" : "200");
    if (text) params.set("q", text);
    api((text ? "search?" : "records?") + params.toString()).then(function (result) {
      const records = result.records || [];
      note.textContent = records.length ? records.length + " found"
        : "Nothing found among the " + (filtered ? "records matching the filters." : "recent records.");
      table.hidden = records.length === 0;
      renderRecords(document.querySelector("#found tbody"), records);
    }).catch(function (err) { note.textContent = "Search failed: " + err.message; });
  }

  function renderRecords(body, records) {
    body.replaceChildren();
    records.forEach(function (r) {
      const tr = el("tr");
      tr.dataset.flow = r.flow;
      tr.dataset.shop = r.shop;
      tr.dataset.externalId = r.external_id;
      tr.appendChild(el("td", when(r.updated_at)));
      tr.appendChild(el("td", r.flow));
      tr.appendChild(el("td", r.shop));
      const id = el("td");
      const open = el("a", r.external_id, "open");
      open.href = recordLink(r);
      open.title = "Open this record: its timeline, payload and BC document";
      id.appendChild(open);
      if (r.bc_document) id.appendChild(el("div", "BC: " + r.bc_document));
      tr.appendChild(id);
      const st = el("td");
      st.appendChild(el("span", LABELS[r.status] || r.status, "status " + r.status));
      if (r.attempts) st.appendChild(el("div", r.attempts + " attempt(s)", "hint"));
      tr.appendChild(st);
      tr.appendChild(el("td", r.message, "msg"));
      tr.appendChild(el("td", r.resolution, "res"));
      const retriable = r.status === "needs_attention" || r.status === "failed";
      tr.appendChild(!retriable ? el("td") : canRetry ? retryButton(r)
        : el("td", "Operator role needed to retry", "hint"));
      body.appendChild(tr);
    });
  }

  // ---- the record page: the same document, shown for #record?flow=…&shop=…&id=… (links need no key) ----
  function isWebLink(link) {  // the server builds it; still, never a javascript: or data: link
    try { return new URL(link).protocol === "https:"; } catch (e) { return false; }
  }

  function recordLink(r) {
    return "#record?" + new URLSearchParams({ flow: r.flow, shop: r.shop, id: r.external_id }).toString();
  }

  function fact(body, label, value) {
    const tr = el("tr");
    tr.appendChild(el("th", label));
    const td = el("td");
    if (value instanceof Node) td.appendChild(value); else td.textContent = value === undefined ? "" : value;
    tr.appendChild(td);
    body.appendChild(tr);
  }

  function bcDocument(r) {
    const b = r.binding;
    if (!b || !(b.bc_number || b.bc_id)) return r.bc_document || "None yet";
    const box = el("span");
    const label = [b.bc_entity, b.bc_number || b.bc_id].filter(Boolean).join(" ") +
      (b.bc_company ? " (company " + b.bc_company + ")" : "");
    if (b.web_link && isWebLink(b.web_link)) {
      const a = el("a", label);
      a.href = b.web_link;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.id = "record-bc-link";
      box.appendChild(a);
    } else {
      box.appendChild(el("span", label));
    }
    if (b.state && b.state !== "bound") box.appendChild(el("span", " · binding " + b.state, "hint"));
    return box;
  }

  function recordPath(kind, r) {  // records/<flow>/<shop>/<id> or payload/…, each part encoded
    return [kind, r.flow || "", r.shop || "", r.external_id || ""]
      .map(function (part, i) { return i ? encodeURIComponent(part) : part; }).join("/");
  }

  // Signed in, the link is a plain link (the session cookie goes with it). With the master key the key must not
  // go into a URL: the file is fetched with the key as a header and handed to the browser as a download.
  function downloadLink(r) {
    const line = document.getElementById("record-download-line");
    const old = document.getElementById("record-download");
    const link = old.cloneNode(true);  // drops the click handler of the record shown before
    old.replaceWith(link);
    link.href = recordPath("payload", r);
    line.hidden = false;
    if (!key) return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      fetch(link.href, { headers: { "x-functions-key": key } }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
        return response.blob().then(function (blob) {
          const save = el("a");
          save.href = URL.createObjectURL(blob);
          save.download = name ? name[1] : "payload";
          document.body.appendChild(save);
          save.click();
          save.remove();
          setTimeout(function () { URL.revokeObjectURL(save.href); }, 10000);
        });
      }).catch(function (err) { link.textContent = "Download failed: " + err.message; });
    });
  }

  function renderPayload(p, r) {
    const note = document.getElementById("record-payload-note");
    const pre = document.getElementById("record-payload");
    pre.textContent = "";
    document.getElementById("record-download-line").hidden = true;
    if (!p) { note.textContent = "No payload is stored for this record."; return; }
    if (p.missing) { note.textContent = "The stored payload " + p.ref + " no longer exists (pruned)."; return; }
    downloadLink(r);
    const headers = Object.keys(p.headers || {}).map(function (k) { return k + ": " + p.headers[k]; });
    let text = p.size + " bytes" + (headers.length ? " · " + headers.join(" · ") : "");
    if (p.truncated) {
      text += " · showing the first part only (download the whole payload below); Retry sends all of it";
    }
    if (p.json !== null && p.json !== undefined) {
      text += " · values of token, secret and password fields are hidden";
      pre.textContent = JSON.stringify(p.json, null, 2);
    } else if (p.text !== null && p.text !== undefined) {
      pre.textContent = p.text;
    } else if (p.base64) {
      text += " · not text (shown as base64)";
      pre.textContent = p.base64;
    }
    note.textContent = text;
  }

  function renderRecordPage(r) {
    document.getElementById("record-title").textContent = r.flow + " · " + r.shop + " · " + r.external_id;
    const facts = document.querySelector("#record-facts tbody");
    facts.replaceChildren();
    const status = el("span", LABELS[r.status] || r.status, "status " + r.status);
    fact(facts, "Status", status);
    fact(facts, "Attempts", r.attempts);
    fact(facts, "First seen", when(r.first_seen));
    fact(facts, "Last change", when(r.updated_at));
    fact(facts, "What happened", r.message);
    fact(facts, "What to do", r.resolution);
    fact(facts, "BC document", bcDocument(r));
    const actions = document.getElementById("record-actions");
    actions.replaceChildren();
    if (r.status === "needs_attention" || r.status === "failed" || r.status === "skipped") {
      actions.appendChild(canRetry ? retryButton(r, "div", openRecord)
        : el("div", "Operator role needed to retry", "hint"));
    }
    const history = document.querySelector("#record-history tbody");
    history.replaceChildren();
    (r.history || []).forEach(function (h) {
      const tr = el("tr");
      tr.appendChild(el("td", when(h.at)));
      tr.appendChild(el("td", LABELS[h.status] || h.status));
      tr.appendChild(el("td", h.message, "msg"));
      tr.appendChild(el("td", h.resolution, "res"));
      history.appendChild(tr);
    });
    renderPayload(r.payload, r);
    renderMapped(r.mapped || {});
  }

  function renderMapped(m) {
    document.getElementById("record-canonical").textContent = m.canonical
      ? JSON.stringify(m.canonical, null, 2) : "Not available (see below).";
    document.getElementById("record-mapped-note").textContent = (m.company ? "Company " + m.company + ". " : "") +
      (m.note || "");
    const problems = document.getElementById("record-problems");
    problems.replaceChildren();
    (m.problems || []).forEach(function (p) {
      problems.appendChild(el("li", p.message + (p.resolution ? " Resolution: " + p.resolution : "")));
    });
    const body = document.getElementById("record-bc-body");
    body.hidden = !m.bc_body;
    body.textContent = m.bc_body ? JSON.stringify(m.bc_body, null, 2) : "";
  }

  function openRecord() {
    const hash = window.location.hash;
    const showing = hash.indexOf("#record?") === 0;
    document.getElementById("overview").hidden = showing;
    document.getElementById("record").hidden = !showing;
    if (!showing) return;
    const q = new URLSearchParams(hash.slice("#record?".length));
    const error = document.getElementById("record-error");
    error.hidden = true;
    const path = recordPath("records", { flow: q.get("flow"), shop: q.get("shop"), external_id: q.get("id") });
    viewerKnown.then(function () { return api(path); }).then(renderRecordPage).catch(function (err) {
      error.textContent = "Could not load the record: " + err.message;
      error.hidden = false;
    });
  }

  // ---- history chart: stacked bars per hour or day, drawn as SVG elements (no library, no markup strings) ----
  const SVG = document.getElementById("history-chart").namespaceURI;  // the SVG namespace, from the page itself
  const CHART = { left: 44, right: 952, top: 12, bottom: 186 };
  let history = null;

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function bucketLabel(iso, view) {
    return view === "hours" ? iso.slice(0, 10) + " " + iso.slice(11, 16) + " UTC" : iso.slice(0, 10);
  }

  function selectedCounts() {
    const chosen = document.getElementById("history-series").value;
    const counts = {};
    history.outcomes.forEach(function (o) { counts[o] = history.buckets.map(function () { return 0; }); });
    history.series.forEach(function (s) {
      if (chosen && chosen !== JSON.stringify([s.flow, s.shop])) return;
      history.outcomes.forEach(function (o) {
        s.counts[o].forEach(function (n, i) { counts[o][i] += n; });
      });
    });
    return counts;
  }

  function fillSeriesChoice() {
    const select = document.getElementById("history-series");
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    history.series.forEach(function (s) {
      const option = el("option", s.flow + " · " + s.shop);
      option.value = JSON.stringify([s.flow, s.shop]);
      select.appendChild(option);
    });
    select.value = Array.prototype.some.call(select.options, function (o) { return o.value === keep; }) ? keep : "";
  }

  function drawHistory() {
    const chart = document.getElementById("history-chart");
    chart.replaceChildren();
    if (!history) return;
    const counts = selectedCounts();
    const n = history.buckets.length;
    const totals = history.buckets.map(function (_, i) {
      return history.outcomes.reduce(function (sum, o) { return sum + counts[o][i]; }, 0);
    });
    const top = Math.max(1, Math.max.apply(null, totals));
    const width = (CHART.right - CHART.left) / n;
    const scale = (CHART.bottom - CHART.top) / top;
    chart.appendChild(svg("line", { x1: CHART.left, y1: CHART.bottom, x2: CHART.right, y2: CHART.bottom,
      "class": "axis" }));
    chart.appendChild(svg("text", { x: CHART.left - 6, y: CHART.top + 10, "text-anchor": "end" }, top));
    chart.appendChild(svg("text", { x: CHART.left - 6, y: CHART.bottom, "text-anchor": "end" }, 0));
    history.buckets.forEach(function (iso, i) {
      let y = CHART.bottom;
      history.outcomes.forEach(function (o) {
        const count = counts[o][i];
        if (!count) return;
        const h = count * scale;
        y -= h;
        const bar = svg("rect", { x: (CHART.left + i * width).toFixed(2), y: y.toFixed(2),
          width: Math.max(width - 1, 1).toFixed(2), height: h.toFixed(2), "class": "bar " + o,
          "data-bucket": iso, "data-outcome": o, "data-count": count });
        bar.appendChild(svg("title", {}, bucketLabel(iso, history.view) + " · " + (LABELS[o] || o) + ": " + count));
        chart.appendChild(bar);
      });
      // a date under the first hour of each day (hourly) or every 7th day counted back from today (daily)
      const tick = history.view === "hours" ? iso.slice(11, 13) === "00" : (n - 1 - i) % 7 === 0;
      if (tick && CHART.left + i * width < CHART.right - 30) {  // a label at the right edge would be cut
        chart.appendChild(svg("text", { x: (CHART.left + i * width).toFixed(2), y: CHART.bottom + 16 },
          iso.slice(5, 10)));
      }
    });
    const sums = history.outcomes.map(function (o) {
      return (LABELS[o] || o) + " " + counts[o].reduce(function (a, b) { return a + b; }, 0);
    });
    document.getElementById("history-totals").textContent = "In this period: " + sums.join(", ");
  }

  // ---- BC usage: requests per bucket as bars, 429s as red bars on the same scale (at least 2 px, so one
  // refused request is still seen), the seconds waited for the budget as a line on its own scale ----
  const BC_CHART = { left: 44, right: 910, top: 12, bottom: 166 };

  function formatNumber(n) { return Number(n).toLocaleString("en-US"); }

  function drawBc() {
    const chart = document.getElementById("bc-chart");
    chart.replaceChildren();
    if (!history || !history.bc) return;
    const bc = history.bc;
    const n = history.buckets.length;
    const top = Math.max(1, Math.max.apply(null, bc.requests));
    const topWait = Math.max(1, Math.max.apply(null, bc.waited_s));
    const width = (BC_CHART.right - BC_CHART.left) / n;
    const height = BC_CHART.bottom - BC_CHART.top;
    chart.appendChild(svg("line", { x1: BC_CHART.left, y1: BC_CHART.bottom, x2: BC_CHART.right, y2: BC_CHART.bottom,
      "class": "axis" }));
    chart.appendChild(svg("text", { x: BC_CHART.left - 6, y: BC_CHART.top + 10, "text-anchor": "end" }, top));
    chart.appendChild(svg("text", { x: BC_CHART.left - 6, y: BC_CHART.bottom, "text-anchor": "end" }, 0));
    const points = [];
    history.buckets.forEach(function (iso, i) {
      const x = BC_CHART.left + i * width;
      const requests = bc.requests[i], throttled = bc.throttled[i], waited = bc.waited_s[i];
      const label = bucketLabel(iso, history.view) + " · " + formatNumber(requests) + " requests, " +
        formatNumber(throttled) + " refused (429), waited " + waited + " s for the budget";
      if (requests) {
        const h = requests * height / top;
        const bar = svg("rect", { x: x.toFixed(2), y: (BC_CHART.bottom - h).toFixed(2),
          width: Math.max(width - 1, 1).toFixed(2), height: h.toFixed(2), "class": "bar bc-requests",
          "data-bucket": iso, "data-count": requests });
        bar.appendChild(svg("title", {}, label));
        chart.appendChild(bar);
      }
      if (throttled) {
        const h = Math.max(2, throttled * height / top);
        const bar = svg("rect", { x: x.toFixed(2), y: (BC_CHART.bottom - h).toFixed(2),
          width: Math.max(width - 1, 1).toFixed(2), height: h.toFixed(2), "class": "bar bc-throttled",
          "data-bucket": iso, "data-count": throttled });
        bar.appendChild(svg("title", {}, label));
        chart.appendChild(bar);
      }
      points.push((x + width / 2).toFixed(2) + "," + (BC_CHART.bottom - waited * height / topWait).toFixed(2));
      const tick = history.view === "hours" ? iso.slice(11, 13) === "00" : (n - 1 - i) % 7 === 0;
      if (tick && x < BC_CHART.right - 30) {
        chart.appendChild(svg("text", { x: x.toFixed(2), y: BC_CHART.bottom + 16 }, iso.slice(5, 10)));
      }
    });
    if (bc.totals.waited_s > 0) {
      chart.appendChild(svg("polyline", { points: points.join(" "), "class": "bc-waited" }));
      chart.appendChild(svg("text", { x: BC_CHART.right + 6, y: BC_CHART.top + 10, "class": "bc-waited-axis" },
        topWait + " s"));
    }
    document.getElementById("bc-totals").textContent = "In this period: " + formatNumber(bc.totals.requests) +
      " requests, " + formatNumber(bc.totals.throttled) + " refused (429), " + bc.totals.waited_s +
      " s waited for the budget";
    const perBucket = history.view === "hours" ? bc.allowed_per_hour : bc.allowed_per_hour * 24;
    document.getElementById("bc-allowed").textContent = bc.allowed_per_hour
      ? "BC allows this app about " + formatNumber(perBucket) + " requests per " +
        (history.view === "hours" ? "hour" : "day") + " with its configured credentials."
      : "";
  }

  function drawLegend() {
    const legend = document.getElementById("history-legend");
    legend.replaceChildren();
    ["success", "skipped", "needs_attention", "failed"].forEach(function (o) {
      const item = el("span");
      item.appendChild(el("span", null, "swatch " + o));
      item.appendChild(document.createTextNode(LABELS[o]));
      legend.appendChild(item);
    });
  }

  function loadHistory() {
    const view = document.getElementById("history-view").value;
    return api("history?view=" + encodeURIComponent(view)).then(function (data) {
      history = data;
      addFilterChoices(data.series.map(function (s) { return s.flow; }),
        data.series.map(function (s) { return s.shop; }));
      fillSeriesChoice();
      drawHistory();
      drawBc();
    });
  }

  let running = false;
  function refresh() {
    if (running) return;
    running = true;
    loadHistory().catch(function (err) {  // the counts and the attention list do not wait for the chart
      document.getElementById("history-totals").textContent = "History unavailable: " + err.message;
    });
    Promise.all([api("status"), api("records?status=attention&limit=" + ATTENTION_LIMIT)])
      .then(function (results) {
        banner("");
        const viewer = results[0].viewer || {};
        canRetry = viewer.can_retry !== false;
        knowViewer();
        document.getElementById("viewer").textContent = viewer.name
          ? viewer.name + " (" + (canRetry ? "Operator" : "Reader") + ")" : "";
        addFilterChoices(Object.keys(results[0].by_flow || {}), Object.keys(results[0].by_shop || {}));
        renderSummary(results[0], results[1].records || []);
        renderCounts(results[0]);
        renderAttention(results[1].records || []);
        document.getElementById("updated").textContent = "Updated " + new Date().toLocaleTimeString();
      })
      .catch(function (err) { knowViewer(); banner("Could not load the status: " + err.message); })
      .then(function () { running = false; });
  }

  document.getElementById("refresh-now").addEventListener("click", refresh);
  document.getElementById("history-series").addEventListener("change", drawHistory);
  document.getElementById("history-view").addEventListener("change", function () {
    loadHistory().catch(function (err) { banner("Could not load the history: " + err.message); });
  });
  drawLegend();
  window.addEventListener("hashchange", openRecord);
  openRecord();
  document.getElementById("search-go").addEventListener("click", search);
  document.getElementById("search-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter") search();
  });
  refresh();
  setInterval(refresh, refreshSeconds * 1000);
})();
