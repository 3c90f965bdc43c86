// fstore web console: draws the charts of a page with Chart.js from the JSON beside each canvas,
// refreshes the live serving page, and draws the edges of lineage graphs. Plain browser JavaScript,
// served as it is (no build step).
/* global Chart */

// Okabe–Ito: distinguishable with the common colour-vision deficiencies; lines also differ by dash and point.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
const POINTS = ["circle", "rect", "triangle", "rectRot", "cross", "star", "crossRot", "line"];
const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3]];

function readData(canvas) {
  const el = document.getElementById(canvas.dataset.source);
  return el ? JSON.parse(el.textContent || "null") : null;
}

function formatTime(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

const common = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { labels: { usePointStyle: true } } },
};

function barChart(canvas, data) {
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.datasets.map((d, i) => ({
        label: d.label,
        data: d.values,
        backgroundColor: PALETTE[i % PALETTE.length],
      })),
    },
    options: {
      ...common,
      scales: {
        x: { title: { display: Boolean(data.xTitle), text: data.xTitle } },
        y: { beginAtZero: true, title: { display: Boolean(data.yTitle), text: data.yTitle } },
      },
    },
  });
}

function lineDataset(d, i) {
  const color = PALETTE[(d.color ?? i) % PALETTE.length];
  return {
    label: d.label,
    data: d.values,
    borderColor: color,
    backgroundColor: color,
    borderDash: d.dashed ? [6, 4] : DASHES[i % DASHES.length],
    pointStyle: d.dashed ? "line" : POINTS[i % POINTS.length],
    pointRadius: d.dashed ? 0 : 4,
    spanGaps: true,
    borderWidth: 2,
  };
}

function lineChart(canvas, data) {
  return new Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets: data.datasets.map(lineDataset) },
    options: {
      ...common,
      scales: { y: { beginAtZero: true, title: { display: Boolean(data.yTitle), text: data.yTitle } } },
    },
  });
}

function timelineChart(canvas, data) {
  const rows = data.rows;
  const min = Math.min(...rows.map((r) => r.start));
  const max = Math.max(...rows.map((r) => r.end));
  const pad = Math.max((max - min) * 0.02, 60_000);
  return new Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map((r) => r.label),
      datasets: [
        {
          label: "materialized interval",
          data: rows.map((r) => [r.start, r.end]),
          backgroundColor: PALETTE[0],
          minBarLength: 3,
        },
      ],
    },
    options: {
      ...common,
      indexAxis: "y",
      scales: {
        x: {
          type: "linear",
          min: min - pad,
          max: max + pad,
          ticks: { callback: (v) => formatTime(v), maxRotation: 0, autoSkip: true, maxTicksLimit: 6 },
          title: { display: true, text: "event time (UTC)" },
        },
      },
      plugins: {
        ...common.plugins,
        tooltip: {
          callbacks: {
            label: (item) => {
              const [a, b] = item.raw;
              return `${formatTime(a)} → ${formatTime(b)}`;
            },
          },
        },
      },
    },
  });
}

// The live serving page: every chart is rebuilt from /api/serving.
const live = [];

function liveDatasets(metric, series) {
  const points = series.points;
  const labels = points.map((p) => p.at.slice(11, 19));
  if (metric === "rate") {
    const datasets = series.methods.map((m, i) =>
      lineDataset({ label: m, values: points.map((p) => p.byMethod[m]?.rate ?? 0) }, i),
    );
    datasets.unshift(lineDataset({ label: "all methods", values: points.map((p) => p.rate), color: 7 }, 0));
    return { type: "line", labels, datasets };
  }
  if (metric === "latency") {
    const datasets = [];
    series.methods.forEach((m, i) => {
      const ms = (x) => (x == null ? null : x * 1000);
      datasets.push(
        lineDataset({ label: `${m} p50`, values: points.map((p) => ms(p.byMethod[m]?.p50)), color: i }, 0),
      );
      datasets.push(
        lineDataset({ label: `${m} p99`, values: points.map((p) => ms(p.byMethod[m]?.p99)), color: i }, 1),
      );
    });
    return { type: "line", labels, datasets };
  }
  const statuses = [...new Set(series.statuses.map((s) => s.status))];
  return {
    type: "bar",
    labels: series.methods,
    datasets: statuses.map((status, i) => ({
      label: status,
      data: series.methods.map(
        (m) => series.statuses.find((s) => s.method === m && s.status === status)?.calls ?? 0,
      ),
      backgroundColor: status === "OK" ? PALETTE[2] : PALETTE[(i + 3) % PALETTE.length],
    })),
    stacked: true,
  };
}

function liveChart(canvas, data) {
  const chart = new Chart(canvas, {
    type: data.metric === "statuses" ? "bar" : "line",
    data: { labels: [], datasets: [] },
    options: {
      ...common,
      scales:
        data.metric === "statuses"
          ? {
              x: { stacked: true },
              y: { stacked: true, beginAtZero: true, title: { display: true, text: "calls" } },
            }
          : {
              x: { ticks: { maxTicksLimit: 10, maxRotation: 0 } },
              y: {
                beginAtZero: true,
                title: { display: true, text: data.metric === "rate" ? "calls/s" : "ms" },
              },
            },
    },
  });
  live.push({ chart, metric: data.metric });
  return chart;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function fmt(x, digits = 3) {
  if (x === null || x === undefined) return "—";
  return Number.isInteger(x) ? x.toLocaleString("en-US") : String(Number(x.toPrecision(digits)));
}

function renderLiveTables(series) {
  const last = series.points[series.points.length - 1];
  for (const holder of document.querySelectorAll('[data-live-table="rates"] tbody')) {
    holder.replaceChildren(
      ...series.methods.map((m) => {
        const p = last?.byMethod[m];
        const tr = document.createElement("tr");
        tr.append(
          cell(m),
          cell(fmt(p?.rate ?? 0)),
          cell(p?.p50 == null ? "—" : fmt(p.p50 * 1000)),
          cell(p?.p99 == null ? "—" : fmt(p.p99 * 1000)),
        );
        return tr;
      }),
    );
  }
  for (const holder of document.querySelectorAll('[data-live-table="statuses"] tbody')) {
    holder.replaceChildren(
      ...series.statuses.map((s) => {
        const tr = document.createElement("tr");
        tr.append(cell(s.method), cell(s.status), cell(fmt(s.calls)));
        return tr;
      }),
    );
  }
}

async function refreshLive() {
  try {
    const res = await fetch("/api/serving", {
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
    if (!res.ok) return;
    const series = await res.json();
    if (!series.points) return;
    for (const { chart, metric } of live) {
      const d = liveDatasets(metric, series);
      // Many samples: small markers, so the lines stay readable.
      for (const set of d.datasets) if (set.pointRadius) set.pointRadius = 2;
      chart.data.labels = d.labels;
      chart.data.datasets = d.datasets;
      chart.update();
    }
    renderLiveTables(series);
    document.body.dataset.liveUpdated = series.latest || "";
  } catch {
    // The next refresh tries again.
  }
}

// Lineage graphs: a line from each node to each node it feeds, drawn over the columns.
function drawLineage(graph) {
  const svg = graph.querySelector(".lineage-edges");
  if (!svg) return;
  const box = graph.getBoundingClientRect();
  const nodes = new Map([...graph.querySelectorAll("[data-node]")].map((n) => [n.dataset.node, n]));
  const lines = [];
  for (const node of nodes.values()) {
    for (const target of (node.dataset.feeds || "").split(" ").filter(Boolean)) {
      const to = nodes.get(target);
      if (!to) continue;
      const a = node.getBoundingClientRect();
      const b = to.getBoundingClientRect();
      const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      line.setAttribute("x1", String(a.right - box.left));
      line.setAttribute("y1", String(a.top + a.height / 2 - box.top));
      line.setAttribute("x2", String(b.left - box.left));
      line.setAttribute("y2", String(b.top + b.height / 2 - box.top));
      lines.push(line);
    }
  }
  svg.replaceChildren(...lines);
}

function start() {
  if (typeof Chart !== "undefined") {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = "#1b1f24";
    for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
      const data = readData(canvas);
      const kind = canvas.dataset.chart;
      if (kind === "bars") barChart(canvas, data);
      else if (kind === "lines") lineChart(canvas, data);
      else if (kind === "timeline") timelineChart(canvas, data);
      else if (kind === "live") liveChart(canvas, data);
    }
    if (live.length > 0) {
      refreshLive();
      setInterval(refreshLive, 2000);
    }
  }
  for (const graph of document.querySelectorAll(".lineage")) {
    drawLineage(graph);
    window.addEventListener("resize", () => drawLineage(graph));
  }
  document.body.dataset.ready = "true";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
