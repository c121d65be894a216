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
  const sets = new Map<number, { c: Set<number>; u: Set<number>; t: Set<number> }>();
  for (let i = 0; i < ip.ids.length; i++) {
    const k = ip.ids[i] as number;
    if (k < 0) continue;
    let s = sets.get(k);
    if (!s) sets.set(k, (s = { c: new Set(), u: new Set(), t: new Set() }));
    if (cookie && (cookie[i] as number) >= 0 && s.c.size < NAT_MIN_SESSIONS) s.c.add(cookie[i] as number);
    if (ua && (ua[i] as number) >= 0 && s.u.size < NAT_MIN_USER_AGENTS) s.u.add(ua[i] as number);
    if (tls && (tls[i] as number) >= 0 && s.t.size < NAT_MIN_TLS) s.t.add(tls[i] as number);
  }
  for (const [k, s] of sets) {
    if (s.c.size >= NAT_MIN_SESSIONS || (s.u.size >= NAT_MIN_USER_AGENTS && (!tls || s.t.size >= NAT_MIN_TLS))) out.add(ip.values[k]);
  }
  return out;
}

