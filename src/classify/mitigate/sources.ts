/** Shared addresses (NAT, CGNAT): one IP, many people. Per-IP verdicts never apply to them. */
import type { ColumnTable } from 'arquero';
import { internField, tableSchema } from '../columns.js';
import { NAT_MIN_SESSIONS, NAT_MIN_TLS, NAT_MIN_USER_AGENTS } from './thresholds.js';

/** Shared addresses: many sessions, or many user agents over several TLS stacks, behind one IP. */
const sharedCache = new WeakMap<ColumnTable, Set<unknown>>();

export function sharedAddresses(t: ColumnTable): Set<unknown> {
  const hit = sharedCache.get(t);
  if (hit) return hit;
  const r = computeShared(t);
  sharedCache.set(t, r);
  return r;
}

function computeShared(t: ColumnTable): Set<unknown> {
  const has = (f: string) => tableSchema(t).fields.has(f);
  const out = new Set<unknown>();
  if (!has('ip.src')) return out;
  const ip = internField(t, 'ip.src');
  const per = (f: string) => (has(f) ? internField(t, f).ids : null);
  const cookie = per('http.cookie');
  const ua = per('http.user_agent');
  const tls = per('cf.bot_management.ja4') ?? per('cf.bot_management.ja3_hash');
  // per address, the first few distinct sessions, user agents and TLS stacks (as many as the
  // thresholds need), in fixed slots: no set per address
  const V = ip.values.length;
  const seen = new Uint8Array(V);
  const order: number[] = [];
  const track = (ids: Int32Array | null, cap: number) => (ids ? { ids, cap, slots: new Int32Array(V * cap), size: new Uint8Array(V) } : null);
  const kinds = [track(cookie, NAT_MIN_SESSIONS), track(ua, NAT_MIN_USER_AGENTS), track(tls, NAT_MIN_TLS)];
  for (let i = 0; i < ip.ids.length; i++) {
    const k = ip.ids[i] as number;
    if (k < 0) continue;
    if (!seen[k]) {
      seen[k] = 1;
      order.push(k);
    }
    for (const d of kinds) {
      if (!d) continue;
      const v = d.ids[i] as number;
      const size = d.size[k] as number;
      if (v < 0 || size >= d.cap) continue;
      const at = k * d.cap;
      let dup = false;
      for (let j = 0; j < size; j++) if (d.slots[at + j] === v) dup = true;
      if (dup) continue;
      d.slots[at + size] = v;
      d.size[k] = size + 1;
    }
  }
  const [c, u, s] = kinds.map((d) => d?.size);
  for (const k of order) {
    const sessions = c ? (c[k] as number) : 0;
    const agents = u ? (u[k] as number) : 0;
    const stacks = s ? (s[k] as number) : 0;
    if (sessions >= NAT_MIN_SESSIONS || (agents >= NAT_MIN_USER_AGENTS && (!tls || stacks >= NAT_MIN_TLS))) out.add(ip.values[k]);
  }
  return out;
}
