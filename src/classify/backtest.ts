/**
 * backtest(table, expression): the share of attack rows and of possibly-good rows an expression
 * matches, each with its sample size and 95% Wilson interval. "Attack" and "good" come from
 * explicit masks (ground truth) or from a score result: confident attack (malicious, not known
 * good) vs everything else. Suspicious rows count as possibly good: a rule is never graded as
 * harmless because the rows it hits were already called doubtful by the labels it came from.
 */
import type { ColumnTable } from 'arquero';
import { rule, type RuleOptions } from './rule.js';
import { plain } from './columns.js';
import type { ScoreResult } from './score.js';
import { ClassifyError } from './errors.js';
import { GOOD_BLOCK_LIMIT } from './mitigate/thresholds.js';
import { figure, type Figure } from './mitigate/stats.js';

/** More good traffic than this share makes a proposal "hits good traffic". */
export const GOOD_HIT_LIMIT = GOOD_BLOCK_LIMIT;

export interface Backtest {
  /** Share of attack rows matched (0..1). */
  attack: number;
  /** Share of good rows matched (0..1). */
  good: number;
  matched: number;
  total: number;
  attackRows: number;
  goodRows: number;
  attackMatched: number;
  goodMatched: number;
  /** good > GOOD_HIT_LIMIT: the proposal would block real users. */
  hitsGood: boolean;
  /** The same shares with sample size and 95% Wilson interval. */
  attackFigure: Figure;
  goodFigure: Figure;
}

export interface BacktestOptions extends RuleOptions {
  attack?: Uint8Array;
  good?: Uint8Array;
  scored?: ScoreResult;
}

function masks(n: number, opts: BacktestOptions): { attack: Uint8Array; good: Uint8Array } {
  if (opts.attack && opts.good) return { attack: opts.attack, good: opts.good };
  if (opts.attack) return { attack: opts.attack, good: opts.attack.map((v) => (v ? 0 : 1)) };
  if (opts.scored) {
    const s = opts.scored;
    const attack = s.mask('malicious');
    for (let i = 0; i < n; i++) if (s.knownGood[i]) attack[i] = 0;
    return { attack, good: attack.map((v) => (v ? 0 : 1)) };
  }
  throw new ClassifyError(`backtest needs ground truth (attack/good masks) or a score result; got neither for ${n} rows`);
}

/** Backtest figures for a precomputed match mask. */
export function backtestMask(match: Uint8Array, attack: Uint8Array, good: Uint8Array): Backtest {
  let matched = 0;
  let a = 0;
  let g = 0;
  let am = 0;
  let gm = 0;
  for (let i = 0; i < match.length; i++) {
    const m = match[i] as number;
    matched += m;
    if (attack[i]) {
      a++;
      am += m;
    } else if (good[i]) {
      g++;
      gm += m;
    }
  }
  const goodShare = g ? gm / g : 0;
  return {
    attack: a ? am / a : 0, good: goodShare, matched, total: match.length, attackRows: a, goodRows: g, attackMatched: am, goodMatched: gm,
    hitsGood: goodShare > GOOD_HIT_LIMIT, attackFigure: figure(am, a), goodFigure: figure(gm, g),
  };
}

export function backtest(table: ColumnTable, expression: string, opts: BacktestOptions = {}): Backtest {
  const t = plain(table);
  const m = masks(t.numRows(), opts);
  return backtestMask(rule(expression, t, opts).mask(t), m.attack, m.good);
}
