/** What every emitter shares: the evidence, the incident's ref, the zone, the skip rule's rows. */
import type { ScoreResult } from '../../score.js';
import type { Phase } from '../../phases.js';
import { checkPhase } from '../../phases.js';
import type { Bits } from '../bits.js';
import type { Evidence } from '../evidence.js';
import { fits, type Needs, type Zone } from '../requires.js';
import type { Mitigation, Refusal } from '../types.js';

export interface EmitContext {
  ev: Evidence;
  scored: ScoreResult;
  /** Unique per incident: every ref starts with it. */
  incident: string;
  zone: Zone;
  /** Rows the incident's skip rule exempts (verified bots, monitoring, app clients): HTTP rules never see them. */
  skip: Bits | null;
  nextId(): string;
  refused: Refusal[];
  /** Remember the rows a proposal acts on (incident + baseline bits), for `Analysis.rowsMatched`. */
  record(id: string, bits: Bits): void;
}

export const refOf = (ctx: EmitContext, id: string): string => `${ctx.incident}-${id}`;

/** Fill in requires/require/deployable, and refuse a proposal its phase would not accept. */
export function finish(ctx: EmitContext, m: Omit<Mitigation, 'requires' | 'require' | 'deployable'>, needs: Needs, opts: { lists?: string[]; counting?: boolean } = {}): Mitigation | null {
  if (m.phase !== 'origin') {
    const problems = checkPhase(m.expression, m.phase as Phase, { lists: opts.lists, counting: opts.counting });
    if (problems.length) {
      ctx.refused.push({ cluster: m.cluster, kind: m.kind, expression: m.expression, guard: 'phase', reason: problems.map((p) => p.why).join('; ') });
      return null;
    }
  }
  const requires = needs.done();
  const ok = fits(requires, ctx.zone);
  return { ...m, requires, require: requires, ...(ok === undefined ? {} : { deployable: ok }) };
}
