/**
 * tunnelHealth: Magic Transit's tunnel health-check rules replayed over real captures: the zeek
 * tunnel traces (ICMP inside GRE, GRE-in-GRE, VXLAN, GENEVE, 6in4), and captures made here over a
 * real VXLAN tunnel between network namespaces, with outages and loss made by nft at the origin.
 * Probe counts, losses and RTTs are checked against tshark's own request/response matching.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { HealthCheckError, tunnelHealth, type TunnelHealth } from '../../src/routing/index.js';
import { loadPcap } from '../../src/traffic/index.js';
import { corpus } from '../helpers/paths.js';
import { canMakeNamespaces, exited, LAB, sleep, startTunnelLab, type TunnelLab } from './tunnel-lab.js';

const tshark = (file: string, filter: string, fields: string[], occurrence = 'l'): string[][] => {
  const r = spawnSync('tshark', ['-2', '-r', file, '-Y', filter, '-T', 'fields', '-E', `occurrence=${occurrence}`, ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
};

/** tshark's view of request-style probes: every echo request, its response time when answered. */
function tsharkRequests(file: string, v6 = false): { seq: number; rttMs: number | null }[] {
  const f = v6 ? ['icmpv6.echo.sequence_number', 'icmpv6.resp_in'] : ['icmp.seq', 'icmp.resp_in'];
  const requests = tshark(file, v6 ? 'icmpv6.type == 128' : 'icmp.type == 8', ['frame.number', ...f]);
  const times = new Map(tshark(file, v6 ? 'icmpv6.type == 129' : 'icmp.type == 0', ['frame.number', v6 ? 'icmpv6.resptime' : 'icmp.resptime']).map(([n, t]) => [n, t]));
  return requests.map(([, seq, respIn]) => ({ seq: Number(seq), rttMs: respIn ? Number(times.get(respIn)) : null }));
}

async function health(file: string, spec: Parameters<typeof tunnelHealth>[1] = {}): Promise<TunnelHealth> {
  const { table } = await loadPcap(file);
  return tunnelHealth(table, spec);
}

const cor = suite('tunnelHealth on the corpus tunnel traces');

for (const [file, v6, outer] of [
  ['gre-within-gre.pcap', false, ['72.205.54.70', '86.106.164.150']],
  ['gre-sample.pcap', false, ['172.27.1.66', '66.59.109.137']],
  ['vxlan.pcap', false, ['192.168.56.11', '192.168.56.12']],
  ['geneve.pcap', false, ['20.0.0.1', '20.0.0.2']],
  ['ping6-in-ipv4.pcap', true, ['10.0.0.1', '10.0.0.2']],
] as const) {
  cor(`${file}: request-style probes, losses and RTTs are tshark's, the tunnel stays healthy`, async () => {
    const f = corpus('zeek-tunnel-traces', file);
    const h = await health(f);
    const want = tsharkRequests(f, v6);
    assert.is(h.style, 'request');
    assert.is(h.probes, want.length);
    assert.is(h.lost, want.filter((w) => w.rttMs === null).length);
    assert.equal(h.probeList.map((p) => p.seq), want.map((w) => w.seq));
    h.probeList.forEach((p, i) => {
      const w = want[i]!.rttMs;
      if (w === null) assert.is(p.rttMs, null);
      else assert.ok(Math.abs(p.rttMs! - w) < 0.002, `${file} seq ${p.seq}: ${p.rttMs} vs tshark ${w}`);
    });
    assert.equal(h.outer, { cloudflare: outer[0], origin: outer[1] });
    assert.is(h.direction, 'bidirectional');
    assert.is(h.finalState, 'healthy');
    assert.is(h.flaps, 0);
  });
}

cor('icmp.ident and icmp.seq of every echo packet in the tunnel traces match tshark', async () => {
  for (const [file, v6] of [['gre-within-gre.pcap', false], ['vxlan.pcap', false], ['ping6-in-ipv4.pcap', true]] as const) {
    const f = corpus('zeek-tunnel-traces', file);
    const { table } = await loadPcap(f);
    const ours = (table.objects() as Record<string, unknown>[]).filter((r) => r['icmp.ident'] !== null && r['icmp.ident'] !== undefined).map((r) => [r['frame.number'], r['icmp.ident'], r['icmp.seq']]);
    const theirs = tshark(f, v6 ? 'icmpv6.type == 128 || icmpv6.type == 129' : 'icmp.type == 0 || icmp.type == 8', ['frame.number', v6 ? 'icmpv6.echo.identifier' : 'icmp.ident', v6 ? 'icmpv6.echo.sequence_number' : 'icmp.seq']).map(([n, i, s]) => [Number(n), Number(i), Number(s)]);
    assert.ok(theirs.length > 0, file);
    assert.equal(ours, theirs, file);
  }
});

cor('bad input: a table without packet columns, and a target with no probes, are named errors', async () => {
  const { table } = await loadPcap(corpus('zeek-tunnel-traces', 'vxlan.pcap'));
  assert.throws(() => tunnelHealth({ numRows: () => 0, array: () => [], columnNames: () => ['timestamp'] }), (e: unknown) => e instanceof HealthCheckError && /no 'ip\.src' column/.test((e as Error).message));
  assert.throws(() => tunnelHealth(table, { target: '192.0.2.99' }), (e: unknown) => e instanceof HealthCheckError && /for target 192\.0\.2\.99.*request 10\.0\.0\.1 -> 10\.0\.0\.2 \(4\)/.test((e as Error).message));
  assert.throws(() => tunnelHealth(table, { style: 'reply' }), (e: unknown) => e instanceof HealthCheckError && /no reply-style/.test((e as Error).message));
  assert.throws(() => tunnelHealth(table, { timeoutMs: 0 }), (e: unknown) => e instanceof HealthCheckError && /timeoutMs/.test((e as Error).message));
});

const live = suite('tunnelHealth over a VXLAN tunnel between namespaces');
let lab: TunnelLab | null = null;
const skip = canMakeNamespaces();
live.before(() => {
  if (skip) console.log(`  skipped: ${skip}`);
  else lab = startTunnelLab();
});
live.after(() => lab?.stop());

/** Probes every 100 ms for `count` probes; `during(ms)` runs while they fly. */
async function probeRun(style: 'request' | 'reply', count: number, during: () => Promise<void>): Promise<string> {
  const l = lab as TunnelLab;
  const cap = await l.capture(`${style}-${Date.now()}.pcapng`);
  const p = l.ping(style, count, 0.1);
  try {
    await during();
  } finally {
    l.originRules(null);
    await exited(p);
  }
  return cap.stop();
}

live('request style, a 1.5 s outage: healthy, degraded at the second failure, down when a full second failed, degraded after three answers', async () => {
  if (!lab) return;
  const file = await probeRun('request', 40, async () => {
    await sleep(1500);
    lab!.originRules('icmp type echo-request drop');
    await sleep(1500);
  });
  const h = await health(file);
  const want = tsharkRequests(file);
  assert.is(h.style, 'request');
  assert.equal([h.cloudflare, h.target], [LAB.cf, LAB.org]);
  assert.equal(h.outer, { cloudflare: LAB.cfUnder, origin: LAB.orgUnder });
  assert.is(h.direction, 'bidirectional');
  assert.is(h.probes, want.length);
  assert.is(h.lost, want.filter((w) => w.rttMs === null).length);
  assert.ok(h.lost >= 12 && h.lost <= 17, `lost ${h.lost}`);
  assert.equal(h.transitions.map((t) => [t.from, t.to]), [['healthy', 'degraded'], ['degraded', 'down'], ['down', 'degraded']]);
  assert.is(h.downEvents, 1);
  assert.is(h.flaps, 3);
  assert.is(h.finalState, 'degraded', 'five minutes of history keep it degraded');
  // the down transition comes when a whole second of probes failed, the recovery at the third answer
  const down = h.transitions[1]!;
  const failedBefore = h.probeList.filter((p) => p.at > down.at - 1000 && p.at <= down.at);
  assert.ok(failedBefore.length >= 3 && failedBefore.every((p) => !p.answered));
  const up = h.probeList.findIndex((p) => p.at === h.transitions[2]!.at);
  assert.ok(h.probeList.slice(up - 2, up + 1).every((p) => p.answered));
  assert.ok(h.intervals.some((i) => i.state === 'down' && i.lossPct === 100));
  assert.ok(h.rtt!.maxMs < 50);
});

live('reply style: the echo reply goes into the tunnel and comes back unchanged; an outage at the origin is down, counted as tshark sees it', async () => {
  if (!lab) return;
  const file = await probeRun('reply', 30, async () => {
    await sleep(1200);
    lab!.originRules('icmp type echo-reply drop');
    await sleep(1300);
  });
  const h = await health(file, { style: 'reply', target: LAB.target });
  // tshark: each echo reply is seen going to the origin (outer dst) and, unless dropped, coming back (outer src)
  const rows = tshark(file, 'icmp.type == 0', ['ip.src', 'icmp.seq'], 'a').map(([outer, seq]) => ({ fromOrigin: outer!.startsWith(LAB.orgUnder), seq: Number(seq!.split(',').pop()) }));
  const sent = rows.filter((r) => !r.fromOrigin).map((r) => r.seq);
  const back = new Set(rows.filter((r) => r.fromOrigin).map((r) => r.seq));
  assert.is(h.style, 'reply');
  assert.equal([h.cloudflare, h.target], [LAB.cf, LAB.target]);
  assert.is(h.probes, sent.length);
  assert.is(h.lost, sent.filter((s) => !back.has(s)).length);
  assert.ok(h.lost >= 10, `lost ${h.lost}`);
  assert.is(h.direction, 'bidirectional');
  assert.is(h.downEvents, 1);
  assert.is(h.finalState, 'degraded');
});

live('unidirectional: the answers come back outside the tunnel; two lost probes degrade it, 30 clean ones (with a short window) make it healthy again', async () => {
  if (!lab) return;
  lab.unidirectional(true);
  let file: string;
  try {
    file = await probeRun('request', 40, async () => {
      lab!.originRules('icmp type echo-request numgen inc mod 1000 < 2 drop');
      await sleep(4200);
    });
  } finally {
    lab.unidirectional(false);
  }
  const h = await health(file);
  // tshark does not pair a request inside VXLAN with a reply outside it: pair its fields by sequence number
  const answered = new Set(tshark(file, 'icmp.type == 0 && !vxlan', ['icmp.seq']).map(([s]) => Number(s)));
  const requests = tshark(file, 'icmp.type == 8 && vxlan', ['icmp.seq']).map(([s]) => Number(s));
  assert.is(h.direction, 'unidirectional');
  assert.is(h.probes, requests.length);
  assert.is(h.lost, requests.filter((s) => !answered.has(s)).length);
  assert.is(h.lost, 2);
  assert.equal(h.transitions.map((t) => t.to), ['degraded'], 'five minutes of history: still degraded');
  // the same capture with a 2-second window in place of five minutes: healthy after 30 clean probes
  const short = await health(file, { thresholds: { degradedWindowMs: 2000 } });
  assert.equal(short.transitions.map((t) => t.to), ['degraded', 'healthy']);
  const i = short.probeList.findIndex((p) => p.at === short.transitions[1]!.at);
  assert.ok(i >= 30 && short.probeList.slice(i - 29, i + 1).every((p) => p.answered));
  assert.not.ok(short.probeList[i - 30]!.answered && short.probeList.slice(0, i - 30).every((p) => p.answered));
});

live('every tenth probe lost: degraded, never down (single losses are not three failed samples in a second)', async () => {
  if (!lab) return;
  const file = await probeRun('request', 40, async () => {
    lab!.originRules('icmp type echo-request numgen inc mod 10 == 5 drop');
    await sleep(4200);
  });
  const h = await health(file);
  assert.is(h.lost, tsharkRequests(file).filter((w) => w.rttMs === null).length);
  assert.is(h.lost, 4);
  assert.is(h.downEvents, 0);
  assert.equal(h.transitions.map((t) => t.to), ['degraded']);
  assert.equal(h.intervals.filter((x) => x.lost > 0).map((x) => x.lossPct), h.intervals.filter((x) => x.lost > 0).map((x) => Math.round((100000 * x.lost) / x.probes) / 1000));
});

cor.run();
live.run();
