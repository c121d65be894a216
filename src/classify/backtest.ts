/**
 * backtest(table, expression): the share of attack rows and of good rows an expression
 * matches. "Attack" and "good" come from explicit masks (ground truth) or from a score result
 * (malicious vs good labels; suspicious rows count as neither).
 */
import type { ColumnTable } from 'arquero';
import { rule, type RuleOptions } from './rule.js';
import { plain } from './columns.js';
import type { ScoreResult } from './score.js';
import { ClassifyError } from './errors.js';

/** More good traffic than this share makes a proposal "hits good traffic". */
export const GOOD_HIT_LIMIT = 0.001;

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
}

export interface BacktestOptions extends RuleOptions {
  attack?: Uint8Array;
  good?: Uint8Array;
  scored?: ScoreResult;
}

function masks(n: number, opts: BacktestOptions): { attack: Uint8Array; good: Uint8Array } {
  if (opts.attack && opts.good) return { attack: opts.attack, good: opts.good };
  if (opts.attack) return { attack: opts.attack, good: opts.attack.map((v) => (v ? 0 : 1)) };
  if (opts.scored) return { attack: opts.scored.mask('malicious'), good: opts.scored.mask('good') };
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
  return { attack: a ? am / a : 0, good: goodShare, matched, total: match.length, attackRows: a, goodRows: g, attackMatched: am, goodMatched: gm, hitsGood: goodShare > GOOD_HIT_LIMIT };
}

export function backtest(table: ColumnTable, expression: string, opts: BacktestOptions = {}): Backtest {
  const t = plain(table);
  const m = masks(t.numRows(), opts);
  return backtestMask(rule(expression, t, opts).mask(t), m.attack, m.good);
}
