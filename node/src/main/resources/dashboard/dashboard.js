// Keyflow dashboard: polls /v1/cluster and /metrics of the node that served it; no frameworks,
// nothing loaded from elsewhere. Figures from /metrics are this node's; "n/a" when it has none.
"use strict";
(function () {
  const POLL_MS = 1500;
  const MAX_EVENTS = 30;
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  const FIGURES = ["rate", "ack-p50", "ack-p99"];
  const colours = new Map();      // node address -> colour, kept for nodes that left
  const holders = new Map();      // "pipeline/stage/kg" -> last known holder
  let recoveryGauges = null;      // "pipeline/stage/kg" -> seconds, null before the first /metrics answer
  let previous = null;            // the previous /metrics sample: {at, samples}

  // A bearer token, if the node wants one, may be given once as #token=... in the page's address.
  const tokenMatch = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (tokenMatch) {
    sessionStorage.setItem("keyflow-token", decodeURIComponent(tokenMatch[1]));
    history.replaceState(null, "", location.pathname);
  }

  function request(path) {
    const token = sessionStorage.getItem("keyflow-token");
    return fetch(path, { cache: "no-store", headers: token ? { Authorization: "Bearer " + token } : {} });
  }

  /** Prometheus text format -> [{name, labels, value}]; comments and malformed lines are skipped. */
  function parseMetrics(text) {
    const samples = [];
    for (const line of text.split("\n")) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line.trim());
      if (!m) continue;
      const labels = {};
      const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let l;
      while ((l = labelPattern.exec(m[2] || "")) !== null) {
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c);
      }
      samples.push({ name: m[1], labels: labels, value: parseFloat(m[3]) });
    }
    return samples;
  }

  /** Samples of one metric for a pipeline; those without a pipeline label count for every pipeline. */
  function select(samples, name, pipeline) {
    return samples.filter(s => s.name === name && (s.labels.pipeline === undefined || s.labels.pipeline === pipeline));
  }

  const bucketKey = bound => bound === Infinity ? "+Inf" : String(bound);
  const boundOf = le => le === "+Inf" ? Infinity : Number(le);

  /** Cumulative buckets {le -> count}: the q-quantile by linear interpolation inside its bucket. */
  function quantile(q, buckets) {
    const bounds = Object.keys(buckets).map(boundOf).sort((a, b) => a - b);
    const total = bounds.length ? buckets[bucketKey(bounds[bounds.length - 1])] : 0;
    if (!(total > 0)) return null;
    const rank = q * total;
    let lowerBound = 0, lowerCount = 0;
    for (const b of bounds) {
      const count = buckets[bucketKey(b)];
      if (count >= rank) {
        if (b === Infinity) return lowerBound;
        return lowerBound + (b - lowerBound) * (count === lowerCount ? 1 : (rank - lowerCount) / (count - lowerCount));
      }
      lowerBound = b;
      lowerCount = count;
    }
    return lowerBound;
  }

  function bucketsOf(samples, pipeline) {
    const buckets = {};
    for (const s of select(samples, "keyflow_ingest_ack_latency_seconds_bucket", pipeline)) {
      const le = bucketKey(boundOf(s.labels.le));
      buckets[le] = (buckets[le] || 0) + s.value;
    }
    return buckets;
  }

  function sum(samples) {
    return samples.reduce((acc, s) => acc + s.value, 0);
  }

  function colourOf(address) {
    if (!colours.has(address)) colours.set(address, PALETTE[colours.size % PALETTE.length]);
    return colours.get(address);
  }

  function shortAddress(address) {
    return address.replace(/^[a-z]+:\/\/[^@]+@/, "");
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function addEvent(text) {
    const list = document.getElementById("recoveries");
    const item = el("li", { "class": "event" });
    const now = new Date();
    item.append(el("time", { datetime: now.toISOString() }, now.toLocaleTimeString()), text);
    list.prepend(item);
    while (list.children.length > MAX_EVENTS) list.lastChild.remove();
  }

  function renderMembers(cluster) {
    const body = document.getElementById("members");
    body.replaceChildren(...cluster.members.map(m => {
      const row = el("tr", { "data-address": m.address, "data-status": m.status });
      const name = el("td");
      name.append(el("span", { "class": "swatch", style: "background:" + colourOf(m.address) }), shortAddress(m.address));
      const marks = el("td", { "class": "mark" },
        [m.leader ? "leader" : "", m.address === cluster.self ? "self" : ""].filter(Boolean).join(", "));
      row.append(name, el("td", {}, m.status), el("td", {}, m.reachable ? "yes" : "NO"), marks);
      return row;
    }));
  }

  function renderGrids(cluster) {
    const grids = document.getElementById("grids");
    const moves = new Map();
    for (const p of cluster.pipelines) {
      let grid = document.getElementById("grid-" + p.pipeline);
      if (!grid) {
        grid = el("div", { id: "grid-" + p.pipeline, "class": "grid", "data-pipeline": p.pipeline });
        grid.append(el("h3", {}, p.pipeline));
        grids.append(grid);
      }
      let cells = grid.querySelector('.cells[data-stage="' + p.stage + '"]');
      if (!cells || cells.children.length !== p.key_groups) {
        if (cells) cells.parentElement.remove();
        const wrapper = el("div");
        wrapper.append(el("div", { "class": "stage-title" }, "stage " + p.stage + " (" + p.key_groups + " key groups)"));
        cells = el("div", { "class": "cells", "data-stage": p.stage });
        for (let kg = 0; kg < p.key_groups; kg++) {
          cells.append(el("div", { "class": "cell", "data-key-group": kg, "data-stage": p.stage }));
        }
        wrapper.append(cells);
        grid.append(wrapper);
      }
      for (const cell of cells.children) {
        const kg = cell.getAttribute("data-key-group");
        const node = p.holders[kg] || "";
        cell.setAttribute("data-node", node);
        cell.classList.toggle("unplaced", !node);
        cell.style.background = node ? colourOf(node) : "";
        cell.title = "key group " + kg + (node ? " on " + shortAddress(node) : " (moving)");
        const id = p.pipeline + "/" + p.stage + "/" + kg;
        const before = holders.get(id);
        if (node && before && before !== node) {
          const move = p.pipeline + "/" + p.stage + ": " + shortAddress(before) + " → " + shortAddress(node);
          moves.set(move, (moves.get(move) || []).concat(kg));
        }
        if (node) holders.set(id, node);
      }
    }
    moves.forEach((kgs, move) => addEvent(move + ", " + kgs.length + " key group(s): " + kgs.join(" ")));
    document.getElementById("legend").replaceChildren(...[...colours.keys()].map(address => {
      const item = el("span", { "class": "legend-item", "data-node": address });
      item.append(el("span", { "class": "swatch", style: "background:" + colours.get(address) }), shortAddress(address));
      return item;
    }));
  }

  function renderFigures(pipelines, samples) {
    const at = performance.now();
    const body = document.getElementById("figures");
    body.replaceChildren(...pipelines.map(p => {
      const figure = (cls, text) => el("td", { "class": cls, id: cls + "-" + p }, text);
      if (samples === null) {
        return rowOf(p, FIGURES.map(f => figure(f, "n/a")));
      }
      const events = sum(select(samples, "keyflow_ingest_events_total", p));
      // A counter that went down means the node restarted: no rate for that interval.
      const rate = previous ? Math.max(0, events - sum(select(previous.samples, "keyflow_ingest_events_total", p))) /
        ((at - previous.at) / 1000) : null;
      // Latency of the last interval when there was traffic, otherwise since the node started.
      const now = bucketsOf(samples, p);
      const before = previous ? bucketsOf(previous.samples, p) : {};
      const recent = {};
      Object.keys(now).forEach(le => { recent[le] = now[le] - (before[le] || 0); });
      const buckets = (recent["+Inf"] || 0) > 0 ? recent : now;
      return rowOf(p, [
        figure("rate", rate === null ? "…" : rate.toFixed(1) + " events/s"),
        figure("ack-p50", millis(quantile(0.5, buckets))),
        figure("ack-p99", millis(quantile(0.99, buckets)))]);
    }));
    if (samples !== null) previous = { at: at, samples: samples };
  }

  function rowOf(pipeline, cells) {
    const row = el("tr", { "data-pipeline": pipeline });
    row.append(el("td", {}, pipeline), ...cells);
    return row;
  }

  function millis(seconds) {
    return seconds === null ? "n/a" : (seconds * 1000).toFixed(1) + " ms";
  }

  function noteRecoveries(samples) {
    const gauges = new Map();
    samples.filter(s => s.name === "keyflow_key_group_recovery_seconds").forEach(s => gauges.set([s.labels.pipeline, s.labels.stage, s.labels.key_group].join("/"), s.value));
    if (recoveryGauges !== null) {
      // One entry per poll: a rebalance recovers dozens of groups at once and would flood the list.
      const recovered = [];
      gauges.forEach((seconds, id) => {
        if (recoveryGauges.get(id) !== seconds) recovered.push([id, seconds]);
      });
      if (recovered.length === 1) {
        addEvent(recovered[0][0] + " recovered on this node in " + recovered[0][1].toFixed(2) + " s");
      } else if (recovered.length > 1) {
        const slowest = recovered.reduce((a, b) => (b[1] > a[1] ? b : a));
        addEvent(recovered.length + " key groups recovered on this node, slowest " + slowest[0] + " in "
          + slowest[1].toFixed(2) + " s");
      }
    }
    recoveryGauges = gauges;
  }

  async function poll() {
    const status = document.getElementById("status");
    try {
      const clusterResponse = await request("/v1/cluster");
      if (!clusterResponse.ok) throw new Error("/v1/cluster answered " + clusterResponse.status);
      const cluster = await clusterResponse.json();
      document.getElementById("self").textContent = shortAddress(cluster.self);
      renderMembers(cluster);
      renderGrids(cluster);
      const metricsResponse = await request("/metrics");
      const samples = metricsResponse.ok ? parseMetrics(await metricsResponse.text()) : null;
      if (samples !== null) noteRecoveries(samples);
      renderFigures([...new Set(cluster.pipelines.map(p => p.pipeline))], samples);
      status.textContent = "updated " + new Date().toLocaleTimeString();
      status.className = "status ok";
    } catch (e) {
      status.textContent = "not updating: " + e.message;
      status.className = "status error";
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // Also what cluster.js (loaded after this file) builds on: the token-aware request and the element helper.
  window.KeyflowDashboard = { parseMetrics: parseMetrics, quantile: quantile, bucketsOf: bucketsOf, request: request, el: el };
  poll();
})();
