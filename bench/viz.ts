/**
 * viz benchmark: chart builders on a 1M-row scored table (and a 1M-packet table), against the
 * naive peer in the same run: vega-lite fed the raw rows (`data.values`) and left to aggregate
 * itself, which is what a chart without Arquero pre-aggregation does (and what freezes a browser).
 *
 * For every builder: time of aggregation + vega-lite compile + vega SVG render (cold = first call,
 * warm = median of the next runs), SVG size and spec size. Targets: < 1 s and SVG < 500 KB at 1M.
 * Then the peer at N = 10k / 50k / 100k rows vs our builder at the same N, printed as ratios.
 *
 * Run: `node dist/bench/viz.js [--rows N] [--runs K] [--json]`.
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as aq from 'arquero';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import {
  trafficOverTime, topSources, pathHeatmap, statusOverTime, scoreDistribution, signatureMatrix, packetRate, packetSizes, tcpFlagMix, sourcePortSpread,
} from '../src/viz/index.js';
import type { Chart, ColumnTable } from '../src/viz/index.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--rows', 1_000_000);
const RUNS = arg('--runs', 3);
const JSON_OUT = process.argv.includes('--json');

/** Deterministic PRNG so runs are comparable. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const T0 = Date.UTC(2026, 0, 1, 12);
const HOUR = 3600e3;

/** A scored HTTP table built from typed arrays: 1 hour, an attack in minutes 20-40 from one /16. */
export function scoredTable(n: number): ColumnTable {
  const r = rng(42);
  const ts = new Float64Array(n), score = new Float64Array(n), status = new Int16Array(n), asn = new Int32Array(n);
  const ip: string[] = new Array(n), label: string[] = new Array(n), path: string[] = new Array(n), country: string[] = new Array(n);
  const cluster: (number | null)[] = new Array(n), reasons: string[][] = new Array(n);
  const goodIps = Array.from({ length: 20000 }, (_, i) => `198.51.${(i >> 8) & 255}.${i & 255}`);
  const badIps = Array.from({ length: 3000 }, (_, i) => `203.0.${(i >> 8) & 255}.${i & 255}`);
  const paths = Array.from({ length: 60 }, (_, i) => `/p/${i}`);
  const none: string[] = [], flood = ['ua.empty', 'rate.burst'], susp = ['rate.burst'];
  for (let i = 0; i < n; i++) {
    const t = T0 + r() * HOUR;
    ts[i] = t;
    const inAttack = t > T0 + 20 * 60e3 && t < T0 + 40 * 60e3 && r() < 0.8;
    if (inAttack) {
      ip[i] = badIps[(r() * badIps.length) | 0] as string;
      label[i] = 'malicious'; score[i] = 70 + r() * 30; status[i] = r() < 0.5 ? 503 : 403; path[i] = '/login';
      asn[i] = 64496; country[i] = 'BR'; cluster[i] = 1; reasons[i] = flood;
    } else {
      const s = r() < 0.05;
      ip[i] = goodIps[(r() * goodIps.length) | 0] as string;
      label[i] = s ? 'suspicious' : 'good'; score[i] = s ? 40 + r() * 30 : r() * 40; status[i] = r() < 0.97 ? 200 : 404;
      path[i] = paths[(r() * r() * paths.length) | 0] as string; asn[i] = 64500 + ((r() * 20) | 0); country[i] = r() < 0.6 ? 'DE' : 'US';
      cluster[i] = s ? 2 : null; reasons[i] = s ? susp : none;
    }
  }
  return aq.table({
    timestamp: ts, 'ip.src': ip, 'ip.src.asnum': asn, 'ip.src.country': country, 'http.request.uri.path': path,
    'http.response.code': status, score, label, reasons, cluster,
  });
}

/** A packet table: UDP reflection from port 123/53 plus TCP background. */
export function packetTable(n: number): ColumnTable {
  const r = rng(7);
  const ts = new Float64Array(n), proto = new Uint8Array(n), len = new Uint16Array(n);
  const flags: (number | null)[] = new Array(n), tsrc: (number | null)[] = new Array(n), tdst: (number | null)[] = new Array(n);
  const usrc: (number | null)[] = new Array(n), udst: (number | null)[] = new Array(n), ip: string[] = new Array(n);
  const srcs = Array.from({ length: 5000 }, (_, i) => `192.0.${(i >> 8) & 255}.${i & 255}`);
  for (let i = 0; i < n; i++) {
    ts[i] = T0 + r() * 60e3;
    ip[i] = srcs[(r() * srcs.length) | 0] as string;
    if (r() < 0.7) {
      proto[i] = 17; len[i] = r() < 0.5 ? 468 : 1400; usrc[i] = r() < 0.7 ? 123 : 53; udst[i] = 1024 + ((r() * 60000) | 0);
      flags[i] = null; tsrc[i] = null; tdst[i] = null;
    } else {
      proto[i] = 6; len[i] = 40 + ((r() * 1460) | 0); flags[i] = r() < 0.5 ? 2 : 16; tsrc[i] = 1024 + ((r() * 60000) | 0); tdst[i] = 443;
      usrc[i] = null; udst[i] = null;
    }
  }
  return aq.table({ timestamp: ts, 'ip.src': ip, 'ip.proto': proto, 'ip.len': len, 'tcp.flags': flags, 'tcp.srcport': tsrc, 'tcp.dstport': tdst, 'udp.srcport': usrc, 'udp.dstport': udst });
}

interface Measure {
  chart: string;
  rows: number;
  coldMs: number;
  /** CPU time of the cold call (user + system): what the work costs when the machine is shared. */
  coldCpuMs: number;
  warmMs: number;
  svgKB: number;
  specKB: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(name: string, rows: number, build: () => Promise<Chart>): Promise<Measure> {
  let t = performance.now();
  const cpu0 = process.cpuUsage();
  const first = await build();
  const coldMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const coldCpuMs = (cpu.user + cpu.system) / 1000;
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    await build();
    warm.push(performance.now() - t);
  }
  if (first.warnings.length) throw new Error(`${name}: ${first.warnings.join('; ')}`);
  return { chart: name, rows, coldMs, coldCpuMs, warmMs: median(warm), svgKB: first.svg.length / 1024, specKB: JSON.stringify(first.spec).length / 1024 };
}

/** The naive peer: the same stacked-by-label traffic chart, vega-lite aggregating raw rows itself. */
async function naiveTraffic(table: ColumnTable): Promise<{ ms: number; svgKB: number; specKB: number }> {
  const t = performance.now();
  const values = table.select('timestamp', 'label').objects();
  const spec = {
    data: { values },
    width: 640,
    height: 260,
    mark: 'bar',
    encoding: {
      x: { field: 'timestamp', type: 'temporal', timeUnit: 'utcyearmonthdatehoursminutes', title: 'Time (UTC)' },
      y: { aggregate: 'count', type: 'quantitative', title: 'Requests per minute' },
      color: { field: 'label', type: 'nominal' },
    },
  } as TopLevelSpec;
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const ms = performance.now() - t;
  return { ms, svgKB: svg.length / 1024, specKB: JSON.stringify(spec).length / 1024 };
}

const fmt = (x: number, d = 0) => x.toFixed(d).padStart(8);

async function main() {
  let t = performance.now();
  const table = scoredTable(N);
  const genMs = performance.now() - t;
  t = performance.now();
  const packets = packetTable(N);
  const genPktMs = performance.now() - t;
  if (!JSON_OUT) console.log(`viz bench: ${N.toLocaleString('en-US')} scored rows (generated in ${genMs.toFixed(0)} ms), ${N.toLocaleString('en-US')} packets (${genPktMs.toFixed(0)} ms); warm = median of ${RUNS}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);

  const mitigationAt = T0 + 40 * 60e3;
  const results: Measure[] = [];
  const plan: [string, ColumnTable, (tb: ColumnTable) => Promise<Chart>][] = [
    ['trafficOverTime(label)', table, (tb) => trafficOverTime(tb, { mitigationAt })],
    ['trafficOverTime(cluster)', table, (tb) => trafficOverTime(tb, { by: 'cluster', mitigationAt })],
    ['topSources(ip)', table, (tb) => topSources(tb)],
    ['topSources(prefix)', table, (tb) => topSources(tb, { by: 'prefix' })],
    ['topSources(asn, flagged)', table, (tb) => topSources(tb, { by: 'asn', rank: 'flagged' })],
    ['pathHeatmap', table, (tb) => pathHeatmap(tb)],
    ['statusOverTime', table, (tb) => statusOverTime(tb)],
    ['scoreDistribution', table, (tb) => scoreDistribution(tb, { thresholds: { suspicious: 40, malicious: 70 } })],
    ['signatureMatrix', table, (tb) => signatureMatrix(tb)],
    ['packetRate(proto)', packets, (tb) => packetRate(tb)],
    ['packetRate(port)', packets, (tb) => packetRate(tb, { by: 'port' })],
    ['packetSizes', packets, (tb) => packetSizes(tb)],
    ['tcpFlagMix', packets, (tb) => tcpFlagMix(tb)],
    ['sourcePortSpread', packets, (tb) => sourcePortSpread(tb)],
  ];
  if (!JSON_OUT) console.log(`\n${'chart'.padEnd(26)} ${'cold ms'.padStart(8)} ${'cold cpu'.padStart(8)} ${'warm ms'.padStart(8)} ${'SVG KB'.padStart(8)} ${'spec KB'.padStart(8)}  target (<1000 ms, <500 KB)`);
  for (const [name, tb, build] of plan) {
    const m = await measure(name, tb.numRows(), () => build(tb));
    results.push(m);
    if (!JSON_OUT) console.log(`${name.padEnd(26)} ${fmt(m.coldMs)} ${fmt(m.coldCpuMs)} ${fmt(m.warmMs)} ${fmt(m.svgKB, 1)} ${fmt(m.specKB, 1)}  ${m.coldMs < 1000 && m.svgKB < 500 ? 'ok' : 'MISSED'}`);
  }

  // Peer comparison at sizes the naive approach survives.
  const peer: { rows: number; naiveMs: number; oursMs: number; ratio: number; naiveSpecKB: number; oursSpecKB: number }[] = [];
  if (!JSON_OUT) console.log(`\npeer: vega-lite fed raw rows (stacked-by-label traffic chart) vs trafficOverTime at the same N`);
  if (!JSON_OUT) console.log(`${'rows'.padStart(9)} ${'naive ms'.padStart(9)} ${'ours ms'.padStart(8)} ${'ratio'.padStart(7)} ${'naive spec KB'.padStart(14)} ${'ours spec KB'.padStart(13)}`);
  for (const n of [10_000, 50_000, 100_000].filter((x) => x <= N)) {
    const sub = table.slice(0, n);
    await naiveTraffic(sub.slice(0, 1000)); // warm the peer's code paths too
    const naive = await naiveTraffic(sub);
    t = performance.now();
    const ours = await trafficOverTime(sub, { mitigationAt });
    const oursMs = performance.now() - t;
    const row = { rows: n, naiveMs: naive.ms, oursMs, ratio: naive.ms / oursMs, naiveSpecKB: naive.specKB, oursSpecKB: JSON.stringify(ours.spec).length / 1024 };
    peer.push(row);
    if (!JSON_OUT) console.log(`${String(n).padStart(9)} ${fmt(row.naiveMs).padStart(9)} ${fmt(row.oursMs)} ${(row.ratio.toFixed(1) + 'x').padStart(7)} ${fmt(row.naiveSpecKB, 0).padStart(14)} ${fmt(row.oursSpecKB, 1).padStart(13)}`);
  }
  const full = results[0];
  const last = peer[peer.length - 1];
  if (full && last && !JSON_OUT) {
    const perRow = last.naiveMs / last.rows;
    console.log(`\nnaive peer extrapolated to ${N.toLocaleString('en-US')} rows: ~${((perRow * N) / 1000).toFixed(1)} s and a ~${((last.naiveSpecKB / last.rows) * N / 1024).toFixed(0)} MB spec for the browser; ours: ${full.coldMs.toFixed(0)} ms cold, ${full.specKB.toFixed(1)} KB spec (${((perRow * N) / full.coldMs).toFixed(0)}x)`);
  }
  if (JSON_OUT) console.log(JSON.stringify({ rows: N, runs: RUNS, results, peer }, null, 2));
  const missed = results.filter((m) => !(m.coldMs < 1000 && m.svgKB < 500));
  if (missed.length && !JSON_OUT) console.log(`\nMISSED targets: ${missed.map((m) => m.chart).join(', ')}`);
}

// Run when executed, not when imported (the generators are reused by profiling scripts).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
