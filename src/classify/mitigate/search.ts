/**
 * Candidate search on bitsets: every single term, then greedy conjunctions that cut
 * possibly-good hits while keeping the cluster covered. Returns candidates best first; the
 * caller takes the first one the guard rails accept (and reports the ones they refused).
 */
import { and, countAnd, countAnd3, gather, positions, type Bits } from './bits.js';
import type { ClusterWithRows } from './cluster.js';
import type { Evidence } from './evidence.js';
import type { Term } from './terms.js';

/** How much a possibly-good hit costs against a point of cluster coverage. */
export const GOOD_HIT_PENALTY = 10;
/** Singles tried as the start of a conjunction. */
export const SEARCH_SEEDS = 12;
/** Most terms in a conjunction. */
export const MAX_TERMS = 3;
/** A term joins a conjunction only if the conjunction keeps this share of its coverage. */
export const KEEP_COVER = 0.9;

export interface Candidate {
  terms: Term[];
  bits: Bits;
  cover: number;
  refHits: number;
  score: number;
}

export function expressionOf(terms: readonly Term[]): string {
  return terms.map((x) => (terms.length > 1 && /\bor\b/.test(x.expr) && !x.expr.startsWith('(') ? `(${x.expr})` : x.expr)).join(' and ');
}

export function search(c: ClusterWithRows, terms: readonly Term[], ev: Evidence, allow: (t: Term) => boolean = () => true): Candidate[] {
  const refRows = Math.max(1, ev.referenceRows);
  const usable = terms.filter(allow);
  // fewer terms and, for port lists, fewer ports: the narrower rule breaks less
  const scoreOf = (ts: Term[], cover: number, refHits: number) =>
    cover - GOOD_HIT_PENALTY * (refHits / refRows) - 0.01 * ts.length - 0.002 * ts.reduce((a, x) => a + (x.tags.has('srcport') ? (x.values?.length ?? 1) : 0), 0);
  const make = (ts: Term[], bits: Bits): Candidate => {
    const cover = countAnd(bits, c.bits) / c.rows;
    const refHits = countAnd(bits, ev.reference);
    return { terms: ts, bits, cover, refHits, score: scoreOf(ts, cover, refHits) };
  };
  const singles = usable.map((x) => make([x], x.bits)).sort((a, b) => b.score - a.score);
  const out = new Map<string, Candidate>();
  const keep = (cand: Candidate) => out.set(cand.terms.map((x) => x.expr).sort().join('\u0000'), cand);
  singles.forEach(keep);
  // coverage is counted on the terms restricted to the cluster's rows (a cluster is a fraction of
  // the table); possibly-good hits, over the whole table, only for an extension that could still
  // win: its score is at most its score with no hit, and a later extension must beat the best so far
  const seeds = singles.slice(0, SEARCH_SEEDS);
  const at = seeds.length ? positions(c.bits) : new Int32Array(0);
  const inCluster = new Map<Term, Bits>();
  const restricted = (x: Term): Bits => {
    let b = inCluster.get(x);
    if (!b) inCluster.set(x, (b = gather(x.bits, at)));
    return b;
  };
  for (const seed of seeds) {
    let cur = seed;
    let curIn = restricted(seed.terms[0] as Term);
    for (let step = 1; step < MAX_TERMS; step++) {
      // score each extension from word counts alone; only the winner's bits are built
      let bestX: Term | undefined;
      let bestScore = -Infinity;
      let bestCover = 0;
      let bestRefHits = 0;
      for (const x of usable) {
        if (cur.terms.includes(x)) continue;
        const cover = countAnd(curIn, restricted(x)) / c.rows;
        if (cover < KEEP_COVER * cur.cover) continue;
        const ts = [...cur.terms, x];
        if (scoreOf(ts, cover, 0) <= bestScore) continue;
        const refHits = countAnd3(cur.bits, x.bits, ev.reference);
        const sc = scoreOf(ts, cover, refHits);
        if (sc > bestScore) {
          bestScore = sc;
          bestX = x;
          bestCover = cover;
          bestRefHits = refHits;
        }
      }
      if (!bestX) break;
      // the winner's cover and possibly-good hits are the counts just made (its cover on the
      // cluster's rows is its cover on the table's cluster bits): no count over the table again
      const ts = [...cur.terms, bestX];
      const best: Candidate = { terms: ts, bits: and(cur.bits, bestX.bits), cover: bestCover, refHits: bestRefHits, score: bestScore };
      keep(best);
      if (best.score <= cur.score && cur.refHits === 0) break;
      cur = best;
      curIn = and(curIn, restricted(bestX));
    }
  }
  return [...out.values()].sort((a, b) => b.score - a.score);
}
