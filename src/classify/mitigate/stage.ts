/**
 * Verdicts and staged actions. A proposal is graded on possibly-good rows it was not derived from
 * (evidence.ts); its verdict uses the upper end of the 95% Wilson interval, so a rule tested on
 * 40 rows is "unproven", never "safe". Blocks need the stronger evidence; otherwise the rule
 * challenges (humans pass) and the plan says how to get to a block.
 */
import { and, count, countAnd, type Bits } from './bits.js';
import type { ClusterWithRows } from './cluster.js';
import type { Evidence } from './evidence.js';
import { describeFigure, figure, pct } from './stats.js';
import { BLOCK_MIN_CLUSTER_ROWS, BLOCK_MIN_COVER, CANNOT_SOLVE_CHALLENGE, GOOD_BLOCK_LIMIT, GOOD_CHALLENGE_LIMIT, minReferenceFor } from './thresholds.js';
import type { Action, BacktestFigures, Verdict } from './types.js';

export function grade(bits: Bits, c: ClusterWithRows, ev: Evidence): BacktestFigures {
  const a = figure(countAnd(bits, c.bits), c.rows);
  const g = figure(countAnd(bits, ev.reference), ev.referenceRows);
  const out: BacktestFigures = {
    attack: a.share, good: g.share, attackMatched: a.matched, goodMatched: g.matched, hitsGood: g.share > GOOD_BLOCK_LIMIT,
    attackFigure: a, goodFigure: g,
    reference: { incidentRows: ev.incidentReferenceRows, baselineRows: ev.baselineRows, source: ev.source },
  };
  const nc = cannotSolve(ev);
  if (nc) out.noChallengeFigure = figure(countAnd(bits, nc), ev.referenceRows);
  if (ev.truthAttack && ev.truthGood) {
    // ground truth covers incident rows only: cut the bits to them
    out.truth = { attack: figure(countAnd(bits, ev.truthAttack), countOf(ev.truthAttack)), good: figure(countAnd(bits, ev.truthGood), countOf(ev.truthGood)) };
  }
  return out;
}

const cannotSolveCache = new WeakMap<Evidence, Bits | null>();
/** The possibly-good rows whose clients cannot solve a challenge (null: none, or no user agents here). */
function cannotSolve(ev: Evidence): Bits | null {
  let b = cannotSolveCache.get(ev);
  if (b === undefined) {
    const m = ev.evalBits(CANNOT_SOLVE_CHALLENGE);
    b = m ? and(m, ev.reference) : null;
    if (b && count(b) === 0) b = null;
    cannotSolveCache.set(ev, b);
  }
  return b;
}

const countCache = new WeakMap<Bits, number>();
function countOf(b: Bits): number {
  let c = countCache.get(b);
  if (c === undefined) {
    c = 0;
    for (let i = 0; i < b.length; i++) {
      let x = b[i] as number;
      while (x) {
        x &= x - 1;
        c++;
      }
    }
    countCache.set(b, c);
  }
  return c;
}

export interface Decision {
  action: Action;
  safe: boolean;
  verdict: Verdict;
  why: string;
}

export interface DecideOptions {
  /** Magic Firewall and origin firewalls can only drop: no challenge. */
  canChallenge: boolean;
  /** Rows or packets, for the text. */
  unit: string;
}

/** The action and verdict for a graded proposal; null when it hits possibly-good traffic beyond the limit (refused). */
export function decide(b: BacktestFigures, cover: number, opts: DecideOptions): Decision | { refused: string } {
  const g = b.goodFigure;
  const blockN = minReferenceFor(GOOD_BLOCK_LIMIT);
  const challengeN = minReferenceFor(GOOD_CHALLENGE_LIMIT);
  const measured = `hits ${describeFigure(g)} of possibly-good ${opts.unit}`;
  const enoughAttack = b.attackFigure.of >= BLOCK_MIN_CLUSTER_ROWS || !opts.canChallenge;
  if (g.high <= GOOD_BLOCK_LIMIT && cover >= BLOCK_MIN_COVER && enoughAttack) {
    return { action: 'block', safe: true, verdict: 'safe', why: `${measured}: within the ${pct(GOOD_BLOCK_LIMIT, 1)} block limit at the 95% upper bound, stopping ${pct(cover, 1)} of its cluster` };
  }
  // a challenge blocks the clients that cannot solve one: their share is held to the block limit
  const nc = b.noChallengeFigure;
  if (opts.canChallenge && nc && nc.share > GOOD_BLOCK_LIMIT) {
    return { refused: `${measured}, and ${describeFigure(nc)} of possibly-good ${opts.unit} come from clients that cannot solve a challenge (no browser user agent: API, app and library clients), for which a challenge is a block: above the ${pct(GOOD_BLOCK_LIMIT, 1)} block limit` };
  }
  if (opts.canChallenge && g.high <= GOOD_CHALLENGE_LIMIT) {
    const whyNotBlock = cover < BLOCK_MIN_COVER ? `it stops only ${pct(cover, 1)} of its cluster` : !enoughAttack ? `its cluster has only ${b.attackFigure.of} confident-attack rows (a block needs ${BLOCK_MIN_CLUSTER_ROWS}+)` : `a block needs the upper bound within ${pct(GOOD_BLOCK_LIMIT, 1)} (${blockN.toLocaleString('en-US')}+ possibly-good ${opts.unit} with no hit)`;
    return { action: 'managed_challenge', safe: true, verdict: 'safe', why: `${measured}: within the ${pct(GOOD_CHALLENGE_LIMIT, 0)} challenge limit at the 95% upper bound; not a block because ${whyNotBlock}` };
  }
  const limit = opts.canChallenge ? GOOD_CHALLENGE_LIMIT : GOOD_BLOCK_LIMIT;
  if (g.share > limit || (g.of >= (opts.canChallenge ? challengeN : blockN) && g.low > limit)) {
    return { refused: `${measured}, above the ${pct(limit, 1)} limit` };
  }
  const need = opts.canChallenge ? challengeN : blockN;
  if (g.of >= need) {
    return {
      action: opts.canChallenge ? 'managed_challenge' : 'block',
      safe: false,
      verdict: 'unproven',
      why: `unproven: ${measured}; the 95% upper bound is above the ${pct(limit, 1)} limit, so it may hit real users. ` +
        `More of the same traffic will not settle it: a narrower rule, or a baseline (--baseline FILE) showing the matched requests never occur in normal traffic, would. Until then it is emitted disabled.`,
    };
  }
  return {
    action: opts.canChallenge ? 'managed_challenge' : 'block',
    safe: false,
    verdict: 'unproven',
    why: `unproven: ${measured}, but ${g.of.toLocaleString('en-US')} is too few to bound the share within ${pct(limit, 1)}. ` +
      `It is proven by at least ${need.toLocaleString('en-US')} possibly-good ${opts.unit} of the same site with no hit: pass a capture or log of normal traffic with --baseline FILE, or a longer capture that starts before the attack. Until then it is emitted disabled.`,
  };
}

/** The staged deployment for a proposal (log -> challenge -> block), naming its ref so each stage can be read back in Security Events. */
export function stagePlan(action: Action, ref: string, kind: 'http' | 'network', safe: boolean): string[] {
  if (kind === 'network') {
    return [
      safe ? `deploy enabled; watch Network Analytics filtered by rule ${ref}: drops should be the attack vector only` : `deploy disabled (enabled: false), prove it first (see why), then enable`,
      'if the customer reports a broken service, disable the rule first, then investigate',
    ];
  }
  const steps = [`1. log: deploy with action "log" (Enterprise) or leave it disabled and compare Security Events for ref ${ref} against the attack for 15-30 minutes`];
  if (action === 'block') steps.push('2. managed_challenge for 15 minutes: humans pass, so a wrong match costs a click', '3. block: this rule\'s evidence is strong enough to end here');
  else steps.push(`2. managed_challenge${safe ? '' : ' once proven'}: humans pass; API, mobile-app and webhook clients cannot, so keep them in the skip rule`, '3. block only when the challenge solve rate for this ref stays near 0% (solved challenges mean humans are matched)');
  return steps;
}
