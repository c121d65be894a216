/**
 * The worker side of score()'s row-local signatures (see score-parallel.ts): the columns it was
 * given as a table, each signature folded into its own bit of two words per row, exactly as
 * score() folds it (same rule, same lists, same known-good exemption).
 */
import * as aq from 'arquero';
import { rule } from './rule.js';
import type { Fold } from './compile.js';
import { DictionaryColumn } from '../traffic/dictionary.js';
import { Utf8Column } from '../traffic/utf8.js';
import type { RowLocalAnswer, RowLocalOutcome, RowLocalTask, SharedColumn } from './score-parallel.js';

function column(c: SharedColumn): unknown {
  switch (c.kind) {
    case 'dict':
      return new DictionaryColumn(c.codes, c.values);
    case 'utf8':
      return new Utf8Column(c.bytes, c.offsets, c.missing, c.ascii);
    case 'f64':
      return c.data;
    case 'plain':
      return c.data;
  }
}

export function evaluateRowLocal(task: RowLocalTask): { answer: RowLocalAnswer; transfer: ArrayBuffer[] } {
  const { n } = task;
  const t = aq.table(Object.fromEntries(Object.entries(task.columns).map(([name, c]) => [name, column(c)])) as Record<string, never>);
  const lo = new Int32Array(n);
  let hi: Int32Array | null = null;
  // the weights are score()'s business: here they go to a scratch array
  const scratch = new Float64Array(n);
  const outcomes: RowLocalOutcome[] = [];
  let used = 0;
  for (const sig of task.signatures) {
    const w = used < 26 ? 0 : 1;
    const word = w === 0 ? lo : (hi ??= new Int32Array(n));
    const bit = 1 << used % 26;
    const into: Fold = { good: sig.exempt ? task.good : null, word, bit, into: scratch, weight: 0, isMax: false, count: 0 };
    try {
      const count = rule(sig.expression, t, { lists: task.lists }).fold(t, into);
      outcomes.push({ ok: true, word: w, bit, count });
      used++;
    } catch {
      // score() evaluates it on its own thread, where it fails (or skips) as it always did; the
      // bit goes to the next signature, so drop anything written before the failure
      for (let i = 0; i < n; i++) word[i] = (word[i] as number) & ~bit;
      outcomes.push({ ok: false });
    }
  }
  const transfer = [lo.buffer, ...(hi ? [hi.buffer] : [])];
  return { answer: { outcomes, words: [lo, hi] }, transfer };
}
