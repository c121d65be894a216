/**
 * IP list (account list + the custom rule referencing it) of a cluster's sources that sent no
 * possibly-good traffic and are not shared addresses. IPv6 sources are aggregated to their /64
 * (the Lists API takes IPv6 only as prefixes of /64 or shorter), and a /64 with any
 * possibly-good row is left out.
 */
import { internField, tableSchema } from '../../columns.js';
import { andNot } from '../bits.js';
import { rowsOf, type ClusterWithRows } from '../cluster.js';
import { expressionNeeds } from '../requires.js';
import { decide, grade, stagePlan } from '../stage.js';
import { addRule } from '../api/rulesets.js';
import { createListRequests } from '../api/lists.js';
import type { Mitigation } from '../types.js';
import { finish, refOf, type EmitContext } from './common.js';
import { IPV6_LIST_PREFIX, LIST_MAX_ITEMS, LIST_ROTATING_PER_SOURCE, MIN_PROPOSAL_COVER } from '../thresholds.js';
import { sharedAddresses } from './ratelimit.js';

/** The /64 (or shorter) prefix of an IPv6 address, lowercase; IPv4 unchanged. */
export function listItemFor(ip: string, prefix = IPV6_LIST_PREFIX): string {
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl] : h;
  const keep = Math.ceil(prefix / 16);
  const g = groups.slice(0, keep).map((x) => parseInt(x || '0', 16));
  while (g.length < keep) g.push(0);
  return `${g.map((x) => x.toString(16)).join(':')}::/${prefix}`;
}

const goodCache = new WeakMap<object, Set<string>>();
/** List items (addresses, IPv6 /64s) that sent possibly-good traffic: per distinct address, once per analysis. */
function goodItemsOf(ev: EmitContext['ev'], ip: { ids: Int32Array; values: unknown[] }, isRef: (i: number) => boolean): Set<string> {
  const hit = goodCache.get(ev);
  if (hit) return hit;
  const seen = new Uint8Array(ip.values.length);
  for (let i = 0; i < ev.n; i++) if ((ip.ids[i] as number) >= 0 && isRef(i)) seen[ip.ids[i] as number] = 1;
  const out = new Set<string>();
  for (let k = 0; k < seen.length; k++) if (seen[k]) out.add(listItemFor(String(ip.values[k])));
  if (ev.base && tableSchema(ev.base).fields.has('ip.src')) {
    const b = internField(ev.base, 'ip.src');
    const bs = new Uint8Array(b.values.length);
    for (let j = 0; j < ev.m; j++) if ((b.ids[j] as number) >= 0) bs[b.ids[j] as number] = 1;
    for (let k = 0; k < bs.length; k++) if (bs[k]) out.add(listItemFor(String(b.values[k])));
  }
  goodCache.set(ev, out);
  return out;
}

const labelledGoodCache = new WeakMap<object, Uint8Array>();
/**
 * Addresses that also sent requests the pack calls good (a real user whose failed login was
 * flagged): not listed, since those requests are left out of the graded side as the attacker's,
 * so the list would look clean while blocking a person. Per distinct address, once per analysis.
 */
function labelledGoodOf(ctx: EmitContext, ip: { ids: Int32Array; values: unknown[] }): Uint8Array {
  const { ev } = ctx;
  const hit = labelledGoodCache.get(ev);
  if (hit) return hit;
  const out = new Uint8Array(ip.values.length);
  for (let i = 0; i < ev.n; i++) if (ev.attackerRow[i] && ctx.scored.labelCodes[i] === 0 && (ip.ids[i] as number) >= 0) out[ip.ids[i] as number] = 1;
  labelledGoodCache.set(ev, out);
  return out;
}

export function ipListRule(ctx: EmitContext, c: ClusterWithRows): Mitigation | null {
  const { ev } = ctx;
  if (!tableSchema(ev.t).fields.has('ip.src')) return null;
  const ip = internField(ev.t, 'ip.src');
  const isRef = (i: number) => (((ev.reference[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
  const goodItems = goodItemsOf(ev, ip, isRef);
  const nat = sharedAddresses(ev.t);
  const perIp = new Int32Array(ip.values.length);
  const own = rowsOf(c.sel);
  for (let j = 0; j < own.length; j++) {
    const k = ip.ids[own[j] as number] as number;
    if (k >= 0) (perIp[k] as number)++;
  }
  const labelledGood = labelledGoodOf(ctx, ip);
  const rows = new Map<string, number>();
  let skippedNat = 0;
  let skippedGood = 0;
  for (let k = 0; k < perIp.length; k++) {
    const cnt = perIp[k] as number;
    if (!cnt) continue;
    const v = ip.values[k];
    if (nat.has(v)) {
      skippedNat += cnt;
      continue;
    }
    const item = listItemFor(String(v));
    if (goodItems.has(item)) continue;
    if (labelledGood[k]) {
      skippedGood += cnt;
      continue;
    }
    rows.set(item, (rows.get(item) ?? 0) + cnt);
  }
  const items = [...rows.entries()].sort((a, b) => b[1] - a[1]).slice(0, LIST_MAX_ITEMS).map(([x]) => x);
  if (!items.length) return null;
  const name = `nrb_${ctx.incident}_${c.id}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 50);
  const expression = `ip.src in $${name}`;
  const raw = ev.evalBits(expression, { [name]: items });
  if (!raw) return null;
  const bits = ctx.skip ? andNot(raw, ctx.skip) : raw;
  const b = grade(bits, c, ev);
  if (b.attack < MIN_PROPOSAL_COVER) return null;
  let d = decide(b, b.attack, { canChallenge: true, unit: 'requests' });
  if ('refused' in d) {
    ctx.refused.push({ cluster: c.id, kind: 'ip_list', expression, guard: 'good-traffic', reason: d.refused });
    return null;
  }
  // sources that each sent a handful of requests rotate (residential proxies, a flood from tens of
  // thousands of addresses): the list stops addresses the attack has already left, and the
  // subscriber who gets the address next is blocked instead; it is not proven by the backtest
  const perSource = c.rows / Math.max(1, c.sources);
  if (perSource <= LIST_ROTATING_PER_SOURCE && d.safe) {
    d = { ...d, safe: false, verdict: 'unproven', why: `unproven: the cluster's ${c.sources.toLocaleString('en-US')} sources sent ${perSource.toFixed(1)} requests each on average: rotating addresses (residential proxies, a botnet), so a list of the ones seen stops an attack that has moved on and later blocks whoever gets the address next. The backtest (${d.why}) cannot show that; prefer the rule on what the requests look like. Emitted disabled` };
  }
  const id = ctx.nextId();
  ctx.record(id, bits);
  const ref = refOf(ctx, id);
  const rule = { description: `netrunbook ${ctx.incident} ${c.id}: ${items.length} sources of ${c.name}`, expression, action: d.action, enabled: d.safe, ref };
  const listItems = items.map((x) => ({ ip: x, comment: `${ctx.incident} ${c.id}` }));
  return finish(ctx, {
    id, kind: 'ip_list', cluster: c.id,
    description: `${items.length} sources of ${c.name} that sent no possibly-good traffic${skippedNat ? ` (shared addresses left out: ${skippedNat} rows)` : ''}${skippedGood ? ` (addresses that also sent requests labelled good left out: ${skippedGood} rows)` : ''}; IPv6 as /64`,
    expression, action: d.action, phase: 'http_request_firewall_custom',
    json: { list: { name, kind: 'ip', description: `netrunbook ${ctx.incident} ${c.id}: ${c.name}` }, items: listItems, rule },
    api: [...createListRequests(name, `netrunbook ${ctx.incident} ${c.id}: ${c.name}`, listItems), ...addRule('zone', 'http_request_firewall_custom', rule, undefined)],
    position: 'custom rules: after the incident skip rule',
    safe: d.safe, verdict: d.verdict, why: d.safe ? `${d.why}. Sources rotate: this list ages fast, prefer the rule on what the requests look like` : d.why,
    plan: stagePlan(d.action, ref, 'http', d.safe), backtest: b, clusterCoverage: b.attack, guards: [],
  }, expressionNeeds(expression), { lists: [name] });
}
