// Keyflow dashboard, the cluster's figures: polls /v1/cluster/figures of the node that served the
// page (every node gathers every node's figures over the cluster's own channel and keeps the last
// 15 minutes), draws a row per node plus the total, and charts of that time as inline SVG with the
// cluster's events (members down or removed, key groups recovered) marked on the time axis.
"use strict";
(function () {
  const POLL_MS = 2000;
  const WIDTH = 720, HEIGHT = 150, PAD = 46;
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  const MARK_COLOURS = { removed: "#c62828", down: "#c62828", unreachable: "#ef6c00", leaving: "#ef6c00",
    up: "#2e7d32", reachable: "#2e7d32", recovered: "#6a1b9a", moving: "#1565c0" };

  const request = window.KeyflowDashboard.request;
  const el = window.KeyflowDashboard.el;

  function svg(tag, attrs, text) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const short = address => address.replace(/^pekko:\/\/[^@]*@/, "");
  const fixed = (v, digits) => v === null || v === undefined ? "n/a" : v.toFixed(digits);
  const answersOf = (p, test) => Object.entries(p.answers_per_s || {})
    .filter(([status]) => test(Number(status))).reduce((sum, [, rate]) => sum + rate, 0);

  /** Per second (rounded), the sum over nodes of value(point); seconds where no node reported are absent. */
  function totals(nodes, value) {
    const bySecond = new Map();
    Object.values(nodes).forEach(points => points.forEach(p => {
      const v = value(p);
      if (v === null || v === undefined) return;
      const second = Math.round(p.at / 1000) * 1000;
      bySecond.set(second, (bySecond.get(second) || 0) + v);
    }));
    return [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([at, v]) => ({ at: at, v: v }));
  }

  function renderTable(data) {
    const body = document.getElementById("cluster-figures");
    // A row per node still sending figures; the charts keep the ones that left.
    const rows = Object.entries(data.nodes).filter(([node]) => data.current.includes(node)).map(([node, points]) => {
      const p = points[points.length - 1];
      const row = el("tr", { "data-node": node });
      [short(node), fixed(p.acked_per_s, 1), fixed(answersOf(p, s => s >= 200 && s < 300), 1),
        fixed(answersOf(p, s => s === 503), 1), fixed(p.ack_p50_ms, 1), fixed(p.ack_p99_ms, 1),
        fixed(p.journal_write_mean_ms, 2), String(p.key_groups)].forEach(t => row.append(el("td", {}, t)));
      return row;
    });
    const total = totals(data.nodes, p => p.acked_per_s);
    const last = total.length ? total[total.length - 1].v : null;
    const totalRow = el("tr", { id: "cluster-total" });
    totalRow.append(el("th", {}, "total"), el("th", { id: "cluster-total-rate" }, fixed(last, 1)));
    body.replaceChildren(...rows, totalRow);
  }

  /** A row per pipeline stage: event-time lag with its slowest key groups, and the processing lags. */
  function renderStages(data) {
    const ms = v => v === null || v === undefined ? "–" : v.toFixed(1) + " ms";
    document.getElementById("stage-lag").replaceChildren(...(data.stages || []).map(s => {
      const row = el("tr", { "data-pipeline": s.pipeline, "data-stage": s.stage });
      const slowest = s.slowest.map(k => "#" + k.key_group + " " + k.lag_s.toFixed(1) + " s (" + short(k.node) + ")").join(", ");
      [s.pipeline, s.stage, String(s.key_groups), s.event_time_lag_s === null ? "n/a" : s.event_time_lag_s.toFixed(1) + " s",
        slowest || "–", ms(s.applied_p99_ms), ms(s.results_written_p99_ms), ms(s.forwarded_p99_ms)]
        .forEach((t, i) => row.append(el("td", { "class": ["", "", "", "lag", "slowest", "applied", "written", "forwarded"][i] }, t)));
      return row;
    }));
  }

  /** One chart: a line per series [{name, colour, points: [{at, v}]}], the marks as vertical lines. */
  function chart(id, title, unit, series, marks, from, to) {
    const box = svg("svg", { id: id, width: WIDTH, height: HEIGHT + 40, "data-points": 0 });
    const span = Math.max(1, to - from);
    const maxV = Math.max(1e-9, ...series.flatMap(s => s.points.map(p => p.v))) * 1.1;
    const x = at => PAD + (WIDTH - PAD - 10) * (at - from) / span;
    const y = v => HEIGHT - (HEIGHT - 12) * v / maxV;
    box.append(svg("line", { x1: PAD, y1: HEIGHT, x2: WIDTH - 10, y2: HEIGHT, stroke: "#888" }),
      svg("line", { x1: PAD, y1: 8, x2: PAD, y2: HEIGHT, stroke: "#888" }),
      svg("text", { x: 4, y: 16, "font-size": 10 }, (maxV / 1.1).toFixed(maxV > 100 ? 0 : 1) + " " + unit),
      svg("text", { x: 4, y: HEIGHT, "font-size": 10 }, "0"),
      svg("text", { x: PAD, y: HEIGHT + 14, "font-size": 10 }, new Date(from).toLocaleTimeString()),
      svg("text", { x: WIDTH - 70, y: HEIGHT + 14, "font-size": 10 }, new Date(to).toLocaleTimeString()),
      svg("text", { x: WIDTH / 2 - 60, y: HEIGHT + 14, "font-size": 11, "font-weight": 600 }, title));
    marks.filter(m => m.at >= from).forEach(m => {
      const line = svg("line", { class: "mark-line", "data-kind": m.kind, x1: x(m.at), y1: 8, x2: x(m.at), y2: HEIGHT,
        stroke: MARK_COLOURS[m.kind] || "#555", "stroke-dasharray": "3,3" });
      line.append(svg("title", {}, new Date(m.at).toLocaleTimeString() + " " + m.text));
      box.append(line);
    });
    let points = 0;
    let legendX = PAD;
    series.forEach(s => {
      if (!s.points.length) return;
      points += s.points.length;
      box.append(svg("polyline", { fill: "none", stroke: s.colour, "stroke-width": 1.5, "data-series": s.name,
        points: s.points.map(p => x(p.at).toFixed(1) + "," + y(p.v).toFixed(1)).join(" ") }));
      box.append(svg("text", { x: legendX, y: HEIGHT + 32, "font-size": 10, fill: s.colour }, s.name));
      legendX += 8 + 6 * s.name.length;
    });
    box.setAttribute("data-points", points);
    return box;
  }

  function renderCharts(data) {
    const now = Date.now();
    // Everything the node kept (up to 15 minutes), and at least the last minute.
    const from = Math.min(now - 60 * 1000, ...Object.values(data.nodes).flatMap(ps => ps.map(p => p.at)));
    const nodes = Object.keys(data.nodes).sort();
    const perNode = value => nodes.map((node, i) => ({ name: short(node), colour: PALETTE[i % PALETTE.length],
      points: data.nodes[node].filter(p => value(p) !== null && value(p) !== undefined).map(p => ({ at: p.at, v: value(p) })) }));
    const total = { name: "total", colour: "#263238", points: totals(data.nodes, p => p.acked_per_s) };
    document.getElementById("cluster-charts").replaceChildren(
      chart("chart-rate", "acknowledged events/s", "ev/s", [total, ...perNode(p => p.acked_per_s)], data.marks, from, now),
      chart("chart-p99", "ack p99", "ms", perNode(p => p.ack_p99_ms), data.marks, from, now),
      chart("chart-503", "503 answers/s", "/s", perNode(p => answersOf(p, s => s === 503)), data.marks, from, now));
    const list = document.getElementById("cluster-marks");
    list.replaceChildren(...data.marks.slice(-12).reverse().map(m => {
      const item = el("li", { "data-kind": m.kind });
      item.append(el("time", {}, new Date(m.at).toLocaleTimeString()), document.createTextNode(m.text));
      return item;
    }));
  }

  async function poll() {
    try {
      const response = await request("/v1/cluster/figures");
      if (response.ok) {
        const data = await response.json();
        window.KeyflowCluster.data = data;
        renderTable(data);
        renderStages(data);
        renderCharts(data);
      }
    } catch (e) {
      // The main poll reports connection trouble; the charts keep their last state.
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  window.KeyflowCluster = { totals: totals, data: null };
  poll();
})();
