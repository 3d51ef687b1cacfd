/// `GET /`: the live status page. One self-contained HTML document (no CDN, no web font, no external file), compiled
/// into the binary as a string so that it is there wherever the binary is, without a resource bundle to find.
///
/// The page asks `/api/v1/services` every second, keeps the last five minutes of samples itself, and draws
/// connections and throughput with canvas; it never reloads. It is read-only: changes go through the JSON API,
/// which may need a token.
enum StatusPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Fulcrum status</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect x='3' y='9' width='26' height='4' rx='2' fill='%233b82f6' transform='rotate(-12 16 11)'/%3E%3Cpath d='M16 14 L23 28 H9 Z' fill='%238b5cf6'/%3E%3C/svg%3E">
<style>
:root {
  --bg: #f4f5f7; --card: #ffffff; --card-2: #f8f9fb; --border: #e2e5ea; --text: #161a22; --muted: #636b7c;
  --faint: #9aa1af; --grid: #eceef2; --accent: #2f6fed; --accent-2: #8b5cf6; --ok: #15935a; --bad: #d33a2c;
  --warn: #c07a06; --idle: #8a93a3; --ok-bg: #e5f6ed; --bad-bg: #fdeceb; --warn-bg: #fdf3e1; --idle-bg: #eef0f3;
  --shadow: 0 1px 2px rgba(16, 24, 40, .05), 0 1px 3px rgba(16, 24, 40, .06);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1016; --card: #151922; --card-2: #1a1f2a; --border: #252b37; --text: #e7eaf0; --muted: #9199aa;
    --faint: #6b7385; --grid: #212733; --accent: #5b8ff9; --accent-2: #a78bfa; --ok: #34c37b; --bad: #f0645a;
    --warn: #e5a73b; --idle: #8a93a3; --ok-bg: #173527; --bad-bg: #3a1c1c; --warn-bg: #3a2d14; --idle-bg: #232936;
    --shadow: none;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); }
body {
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  -webkit-font-smoothing: antialiased;
}
.mono, code { font-family: ui-monospace, "SF Mono", SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.num { font-variant-numeric: tabular-nums; text-align: right; white-space: nowrap; }
header {
  display: flex; align-items: center; gap: 16px; padding: 14px 28px; background: var(--card);
  border-bottom: 1px solid var(--border); position: sticky; top: 0; z-index: 2;
}
.brand { display: flex; align-items: center; gap: 10px; font-weight: 650; font-size: 17px; letter-spacing: .2px; }
.brand svg { width: 26px; height: 26px; }
.meta { color: var(--muted); font-size: 13px; display: flex; gap: 14px; flex-wrap: wrap; }
.meta b { color: var(--text); font-weight: 550; }
.live { margin-left: auto; display: flex; align-items: center; gap: 8px; font-size: 13px; color: var(--muted); }
.dot { width: 9px; height: 9px; border-radius: 50%; background: var(--ok); box-shadow: 0 0 0 3px var(--ok-bg); }
.live.down .dot { background: var(--bad); box-shadow: 0 0 0 3px var(--bad-bg); }
main { padding: 22px 28px 40px; max-width: 1480px; margin: 0 auto; }
.banner {
  display: none; margin-bottom: 16px; padding: 10px 14px; border-radius: 8px; background: var(--bad-bg);
  color: var(--bad); font-weight: 550;
}
.banner.shown { display: block; }
.summary { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px; margin-bottom: 22px; }
.stat {
  background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: 12px 16px;
  box-shadow: var(--shadow);
}
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .5px; }
.stat .value { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.stat .sub {
  color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis;
}
.service {
  background: var(--card); border: 1px solid var(--border); border-radius: 12px; margin-bottom: 22px;
  box-shadow: var(--shadow); overflow: hidden;
}
.service-head {
  display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; padding: 14px 20px 10px;
}
.service-head h2 { margin: 0; font-size: 18px; font-weight: 650; }
.tag {
  display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 550;
  background: var(--idle-bg); color: var(--muted); border: 1px solid var(--border);
}
.tag.proto { color: var(--accent); }
.listen { color: var(--muted); font-size: 13px; }
.fingerprint { color: var(--muted); font-size: 12px; margin-left: auto; }
.service-figures { display: flex; gap: 26px; padding: 0 20px 8px; color: var(--muted); font-size: 13px; flex-wrap: wrap; }
.service-figures b { color: var(--text); font-weight: 600; font-variant-numeric: tabular-nums; }
.rejections { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.rejections .tag.hot { background: var(--bad-bg); color: var(--bad); border-color: transparent; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; padding: 6px 20px 14px; }
.chart { background: var(--card-2); border: 1px solid var(--border); border-radius: 10px; padding: 10px 12px 6px; }
.chart-head { display: flex; align-items: baseline; gap: 14px; font-size: 12.5px; color: var(--muted); }
.chart-head .title { color: var(--text); font-weight: 600; font-size: 13px; margin-right: auto; }
.key { display: inline-flex; align-items: center; gap: 5px; font-variant-numeric: tabular-nums; }
.key i { width: 10px; height: 3px; border-radius: 2px; display: inline-block; }
.key b { color: var(--text); font-weight: 600; }
canvas { width: 100%; height: 130px; display: block; }
table { width: 100%; border-collapse: collapse; }
thead th {
  text-align: left; font-size: 11.5px; text-transform: uppercase; letter-spacing: .5px; color: var(--muted);
  font-weight: 600; padding: 8px 12px; border-top: 1px solid var(--border); border-bottom: 1px solid var(--border);
  background: var(--card-2); white-space: nowrap;
}
thead th.num { text-align: right; }
tbody td { padding: 9px 12px; border-bottom: 1px solid var(--border); vertical-align: middle; }
tbody tr:last-child td { border-bottom: none; }
tbody tr.removing td { opacity: .6; }
td:first-child, th:first-child { padding-left: 20px; }
td:last-child, th:last-child { padding-right: 20px; }
.addr { font-weight: 550; }
.origin { color: var(--faint); font-size: 11.5px; margin-left: 6px; }
.pill {
  display: inline-flex; align-items: center; gap: 6px; padding: 2px 9px; border-radius: 999px; font-size: 12px;
  font-weight: 600; white-space: nowrap;
}
.pill::before { content: ""; width: 7px; height: 7px; border-radius: 50%; background: currentColor; }
.pill.up { color: var(--ok); background: var(--ok-bg); }
.pill.down { color: var(--bad); background: var(--bad-bg); }
.pill.unchecked { color: var(--idle); background: var(--idle-bg); }
.pill.enabled { color: var(--ok); background: transparent; padding-left: 0; }
.pill.draining { color: var(--warn); background: var(--warn-bg); }
.fail { color: var(--bad); font-weight: 600; }
.zero { color: var(--faint); }
.spark { width: 120px; height: 26px; display: block; margin-left: auto; }
.empty { padding: 18px 20px; color: var(--muted); }
footer { color: var(--faint); font-size: 12px; text-align: center; padding: 8px 0 28px; }
footer a { color: var(--muted); }
@media (max-width: 1100px) {
  .summary { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .charts { grid-template-columns: 1fr; }
}
</style>
</head>
<body>
<header>
  <div class="brand">
    <svg viewBox="0 0 32 32" aria-hidden="true"><rect x="3" y="9" width="26" height="4" rx="2" fill="#2f6fed"
      transform="rotate(-12 16 11)"/><path d="M16 14 L23 28 H9 Z" fill="#8b5cf6"/></svg>
    Fulcrum
  </div>
  <div class="meta" id="meta"><span>connecting…</span></div>
  <div class="live" id="live"><span class="dot"></span><span id="live-text">live</span></div>
</header>
<main>
  <div class="banner" id="banner">Cannot reach the admin API; retrying…</div>
  <section class="summary" id="summary"></section>
  <section id="services"></section>
</main>
<footer>
  Refreshes every second from <a href="/api/v1/services">/api/v1/services</a> ·
  charts cover the last 5 minutes seen by this page · <a href="/metrics">/metrics</a>
</footer>
<script>
"use strict";
const PERIOD_MS = 1000;
const HISTORY = 300;
const WINDOW_MS = HISTORY * PERIOD_MS;
const history = new Map();      // service name -> [{t, active, rate, bytesIn, bytesOut}]
const backendHistory = new Map(); // "service|address" -> [active, ...]
let previous = null;            // {t, services: Map name -> service}
let info = null, infoAt = 0;
let failures = 0;

const $ = (id) => document.getElementById(id);
// A service's discovery: its registry, how many backends it gives, and an outage or a held update in red.
const discoveryFigure = (discovery) => {
  if (!discovery) return "";
  const trouble = discovery.error ? ` <span class="tag hot" title="${esc(discovery.error)}">unreachable</span>`
    : discovery.held > 0 ? ` <span class="tag hot">update held</span>` : "";
  return `<span>${esc(discovery.source)} <b>${formatCount(discovery.backends)}</b>${trouble}</span>`;
};
// Where a backend came from, when not the configuration file.
const ORIGINS = { api: "added by API", dns: "from DNS", etcd: "from etcd" };
const esc = (text) => String(text).replace(/[&<>"']/g,
  (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[c]));

function formatCount(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(n >= 1e10 ? 1 : 2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 1 : 2) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(n >= 1e5 ? 0 : 1) + "k";
  return String(Math.round(n));
}
function formatRate(n) {
  if (n === 0) return "0";
  if (n < 10) return n.toFixed(1);
  return formatCount(n);
}
function formatBytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? String(Math.round(n)) : String(parseFloat(n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2)))) + " " + units[i];
}
const formatBytesRate = (n) => formatBytes(n) + "/s";
function formatUptime(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

function drawChart(canvas, samples, series, format, integral) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  let highest = 0;
  for (const s of samples) for (const line of series) highest = Math.max(highest, line.value(s));
  highest *= 1.06;  // a little headroom so that peaks are not cut by the top edge
  // Grid lines at round values, at most four intervals, the top one just above the highest point.
  const step = niceStep(highest / 4, integral);
  const intervals = Math.max(1, Math.ceil(highest / step - 1e-9));
  const max = step * intervals;
  ctx.font = "11px system-ui, sans-serif";
  // Room on the right for the widest axis label.
  let labelWidth = 0;
  for (let i = 0; i <= intervals; i++) labelWidth = Math.max(labelWidth, ctx.measureText(format(step * i)).width);
  const left = 4, right = width - labelWidth - 10, top = 8, bottom = height - 18;
  ctx.textBaseline = "middle";
  for (let i = 0; i <= intervals; i++) {
    const y = bottom - (bottom - top) * i / intervals;
    ctx.strokeStyle = cssVar("--grid"); ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(left, Math.round(y) + .5); ctx.lineTo(right, Math.round(y) + .5); ctx.stroke();
    ctx.fillStyle = cssVar("--faint");
    ctx.fillText(format(step * i), right + 6, y);
  }
  ctx.textBaseline = "alphabetic";
  ctx.fillStyle = cssVar("--faint");
  ctx.fillText("5 min ago", left, height - 3);
  const nowText = "now"; ctx.fillText(nowText, right - ctx.measureText(nowText).width, height - 3);
  if (samples.length < 2) return;
  const newest = samples[samples.length - 1].t;
  const xOf = (i) => Math.max(left, right - (newest - samples[i].t) * (right - left) / WINDOW_MS);
  const yOf = (v) => bottom - (bottom - top) * (max > 0 ? v / max : 0);
  for (const line of series) {
    const color = cssVar(line.color);
    ctx.beginPath();
    samples.forEach((s, i) => { const x = xOf(i), y = yOf(line.value(s)); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
    ctx.strokeStyle = color; ctx.lineWidth = 1.8; ctx.lineJoin = "round"; ctx.stroke();
    ctx.lineTo(xOf(samples.length - 1), bottom); ctx.lineTo(xOf(0), bottom); ctx.closePath();
    const gradient = ctx.createLinearGradient(0, top, 0, bottom);
    gradient.addColorStop(0, color + "33"); gradient.addColorStop(1, color + "00");
    ctx.fillStyle = gradient; ctx.fill();
  }
}
// The smallest "round" grid step (1, 2, 2.5 or 5 times a power of ten) at least `value`; whole numbers for counts.
function niceStep(value, integral) {
  if (!(value > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  let step = 10 * power;
  for (const m of [1, 2, 2.5, 5]) if (m * power >= value) { step = m * power; break; }
  return integral ? Math.max(1, Math.ceil(step)) : step;
}
function sparkline(values, color) {
  const w = 120, h = 26, n = 60;
  const points = values.slice(-n);
  if (points.length < 2) return `<svg class="spark" viewBox="0 0 ${w} ${h}"></svg>`;
  const max = Math.max(1, ...points);
  const step = w / (n - 1), offset = w - (points.length - 1) * step;
  const coords = points.map((v, i) => `${(offset + i * step).toFixed(1)},${(h - 2 - (h - 4) * v / max).toFixed(1)}`);
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">` +
    `<polyline points="${offset.toFixed(1)},${h} ${coords.join(" ")} ${w},${h}" fill="${color}" fill-opacity=".12" stroke="none"/>` +
    `<polyline points="${coords.join(" ")}" fill="none" stroke="${color}" stroke-width="1.5" vector-effect="non-scaling-stroke"/></svg>`;
}

function serviceCard(service) {
  let card = document.querySelector(`.service[data-service="${CSS.escape(service.name)}"]`);
  if (card) return card;
  card = document.createElement("article");
  card.className = "service";
  card.dataset.service = service.name;
  card.innerHTML = `
    <div class="service-head"></div>
    <div class="service-figures"></div>
    <div class="charts">
      <div class="chart"><div class="chart-head conn-head"></div><canvas class="conn"></canvas></div>
      <div class="chart"><div class="chart-head bytes-head"></div><canvas class="bytes"></canvas></div>
    </div>
    <table>
      <thead><tr><th>Backend</th><th>State</th><th>Health</th><th class="num">Weight</th><th class="num">Active</th>
      <th class="num">Total</th><th class="num">Conn/s</th><th class="num">In</th><th class="num">Out</th>
      <th class="num">Failures</th><th class="num">Active, last minute</th></tr></thead>
      <tbody></tbody>
    </table>`;
  $("services").appendChild(card);
  return card;
}

function render(data, now) {
  const dt = previous ? (now - previous.t) / 1000 : 0;
  const seen = new Set();
  let totals = {active: 0, rate: 0, bytesIn: 0, bytesOut: 0, rejected: 0, up: 0, backends: 0};
  for (const service of data.services) {
    seen.add(service.name);
    const before = previous && previous.services.get(service.name);
    const bytesIn = service.backends.reduce((a, b) => a + b.bytes_in, 0);
    const bytesOut = service.backends.reduce((a, b) => a + b.bytes_out, 0);
    const rate = (value, old) => (before && dt > 0 ? Math.max(0, value - old) / dt : 0);
    const sample = {
      t: now, active: service.active_connections,
      rate: before ? rate(service.total_connections, before.total_connections) : 0,
      bytesIn: before ? rate(bytesIn, before.bytesIn) : 0,
      bytesOut: before ? rate(bytesOut, before.bytesOut) : 0,
    };
    service.bytesIn = bytesIn; service.bytesOut = bytesOut;
    const samples = history.get(service.name) || [];
    samples.push(sample);
    while (samples.length > 0 && now - samples[0].t > WINDOW_MS) samples.shift();
    history.set(service.name, samples);
    const rejected = Object.values(service.rejected).reduce((a, b) => a + b, 0);
    totals.active += service.active_connections; totals.rate += sample.rate;
    totals.bytesIn += sample.bytesIn; totals.bytesOut += sample.bytesOut; totals.rejected += rejected;

    const card = serviceCard(service);
    const fingerprint = service.table_fingerprint
      ? `<span class="fingerprint mono" title="table fingerprint">table ${esc(service.table_fingerprint)}</span>` : "";
    card.querySelector(".service-head").innerHTML =
      `<h2>${esc(service.name)}</h2><span class="tag proto">${esc(service.protocol.toUpperCase())}</span>` +
      `<span class="tag">${esc(service.balance)}${service.hash_key ? " · " + esc(service.hash_key) : ""}</span>` +
      `<span class="listen mono">${service.listen.map(esc).join(", ")}</span>${fingerprint}`;
    const chips = Object.entries(service.rejected).filter(([, n]) => n > 0)
      .map(([reason, n]) => `<span class="tag hot">${esc(reason)} ${formatCount(n)}</span>`).join("");
    card.querySelector(".service-figures").innerHTML =
      `<span>active <b class="svc-active">${formatCount(service.active_connections)}</b></span>` +
      `<span>total <b class="svc-total" data-value="${service.total_connections}">${formatCount(service.total_connections)}</b></span>` +
      `<span>new/s <b>${formatRate(sample.rate)}</b></span>` +
      (service.protocol === "udp" ? `<span>UDP sessions <b>${formatCount(service.udp_sessions_active || 0)}</b></span>` : "") +
      discoveryFigure(service.discovery) +
      `<span class="rejections">rejected ${chips || '<b class="zero">0</b>'}</span>`;
    card.querySelector(".conn-head").innerHTML =
      `<span class="title">Connections</span>` +
      `<span class="key"><i style="background:var(--accent)"></i>active <b>${formatCount(sample.active)}</b></span>` +
      `<span class="key"><i style="background:var(--accent-2)"></i>new/s <b>${formatRate(sample.rate)}</b></span>`;
    card.querySelector(".bytes-head").innerHTML =
      `<span class="title">Throughput</span>` +
      `<span class="key"><i style="background:var(--accent)"></i>in <b>${formatBytesRate(sample.bytesIn)}</b></span>` +
      `<span class="key"><i style="background:var(--accent-2)"></i>out <b>${formatBytesRate(sample.bytesOut)}</b></span>`;
    drawChart(card.querySelector("canvas.conn"), samples,
      [{color: "--accent", value: (s) => s.active}, {color: "--accent-2", value: (s) => s.rate}], formatCount, true);
    drawChart(card.querySelector("canvas.bytes"), samples,
      [{color: "--accent", value: (s) => s.bytesIn}, {color: "--accent-2", value: (s) => s.bytesOut}],
      (v) => formatBytes(v) + "/s");

    const oldBackends = new Map((before ? before.backends : []).map((b) => [b.address + (b.removing ? "#" : ""), b]));
    const rows = service.backends.map((b) => {
      const key = service.name + "|" + b.address + (b.removing ? "#" : "");
      const activity = backendHistory.get(key) || [];
      activity.push(b.active_connections);
      while (activity.length > 60) activity.shift();
      backendHistory.set(key, activity);
      const old = oldBackends.get(b.address + (b.removing ? "#" : ""));
      const connRate = old && dt > 0 ? Math.max(0, b.total_connections - old.total_connections) / dt : 0;
      totals.backends += 1; if (b.health !== "down") totals.up += 1;
      const state = b.removing ? "removing" : b.state;
      return `<tr class="${b.removing ? "removing" : ""}" data-backend="${esc(b.address)}" data-total="${b.total_connections}" data-active="${b.active_connections}">` +
        `<td><span class="addr mono">${esc(b.address)}</span>${ORIGINS[b.origin] ? '<span class="origin">' + ORIGINS[b.origin] + '</span>' : ""}</td>` +
        `<td><span class="pill ${b.state}">${esc(state)}</span></td>` +
        `<td><span class="pill ${b.health}">${esc(b.health)}</span></td>` +
        `<td class="num${b.weight === 0 ? " zero" : ""}">${b.weight}</td>` +
        `<td class="num">${formatCount(b.active_connections)}</td>` +
        `<td class="num">${formatCount(b.total_connections)}</td>` +
        `<td class="num${connRate === 0 ? " zero" : ""}">${formatRate(connRate)}</td>` +
        `<td class="num">${formatBytes(b.bytes_in)}</td>` +
        `<td class="num">${formatBytes(b.bytes_out)}</td>` +
        `<td class="num ${b.connect_failures > 0 ? "fail" : "zero"}">${formatCount(b.connect_failures)}</td>` +
        `<td>${sparkline(activity, cssVar(b.health === "down" ? "--bad" : b.state === "draining" ? "--warn" : "--accent"))}</td></tr>`;
    });
    card.querySelector("tbody").innerHTML = rows.length ? rows.join("")
      : `<tr><td colspan="11" class="empty">No backends. Add one with POST /api/v1/services/${esc(service.name)}/backends.</td></tr>`;
  }
  for (const card of document.querySelectorAll(".service")) {
    if (!seen.has(card.dataset.service)) { card.remove(); history.delete(card.dataset.service); }
  }
  $("summary").innerHTML = [
    ["Services", formatCount(data.services.length), `${data.services.filter((s) => s.protocol === "tcp").length} TCP · ${data.services.filter((s) => s.protocol === "udp").length} UDP`],
    ["Backends up", `${totals.up}<span class="sub"> / ${totals.backends}</span>`, totals.up === totals.backends ? "all healthy" : `${totals.backends - totals.up} down`],
    ["Active connections", formatCount(totals.active), "open now"],
    ["New connections", formatRate(totals.rate) + "<span class=\"sub\"> /s</span>", "over the last second"],
    ["Throughput", formatBytesRate(totals.bytesIn + totals.bytesOut), `in ${formatBytesRate(totals.bytesIn)} · out ${formatBytesRate(totals.bytesOut)}`],
    ["Rejected", formatCount(totals.rejected), "since start"],
  ].map(([label, value, sub]) => `<div class="stat"><div class="label">${label}</div><div class="value">${value}</div><div class="sub">${esc(sub)}</div></div>`).join("");
  previous = {t: now, services: new Map(data.services.map((s) => [s.name, s]))};
}

function renderMeta() {
  if (!info) return;
  const uptime = info.uptime_seconds + (Date.now() - infoAt) / 1000;
  $("meta").innerHTML = `<span>version <b>${esc(info.version)}</b></span><span>up <b>${formatUptime(uptime)}</b></span>` +
    `<span>pid <b>${info.pid}</b></span><span>${info.engine_threads} engine threads</span>` +
    `<span class="mono">${esc(info.config)}</span>`;
}

async function refresh() {
  try {
    if (!info || Date.now() - infoAt > 30000) {
      const response = await fetch("/api/v1/info", {cache: "no-store"});
      if (response.ok) { info = await response.json(); infoAt = Date.now(); }
    }
    const response = await fetch("/api/v1/services", {cache: "no-store"});
    if (!response.ok) throw new Error("HTTP " + response.status);
    const data = await response.json();
    render(data, Date.now());
    renderMeta();
    failures = 0;
    $("banner").classList.remove("shown");
    $("live").classList.remove("down");
    $("live-text").textContent = "live · " + new Date().toLocaleTimeString();
  } catch (error) {
    failures += 1;
    if (failures >= 2) {
      $("banner").classList.add("shown");
      $("live").classList.add("down");
      $("live-text").textContent = "disconnected";
    }
  }
}

let timer = null;
async function loop() {
  await refresh();
  timer = setTimeout(loop, PERIOD_MS);
}
window.addEventListener("resize", () => { if (previous) for (const card of document.querySelectorAll(".service")) {
  const samples = history.get(card.dataset.service) || [];
  drawChart(card.querySelector("canvas.conn"), samples,
    [{color: "--accent", value: (s) => s.active}, {color: "--accent-2", value: (s) => s.rate}], formatCount, true);
  drawChart(card.querySelector("canvas.bytes"), samples,
    [{color: "--accent", value: (s) => s.bytesIn}, {color: "--accent-2", value: (s) => s.bytesOut}],
    (v) => formatBytes(v) + "/s");
}});
loop();
</script>
</body>
</html>
"""#
}
