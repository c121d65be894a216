/**
 * The postmortem contract: how a runbook cell declares which of its results feed which section of
 * the postmortem. A cell calls `postmortem.record({...})` with typed sections; the call displays one
 * output whose MIME bundle carries the sections under POSTMORTEM_MIME (and a short text/plain for
 * notebook front ends). The exporter reads only those bundles (never markdown, never field names of
 * other outputs), so a renamed field fails the runbook's type check, not the document.
 *
 * Several records merge in cell order: scalars (summary parts) are overwritten by later records,
 * lists (timeline, impact, vectors, mitigations, follow-ups) are appended and de-duplicated.
 */
import { display } from '../../display.js';
import type { Analysis, Mitigation as ClassifyMitigation } from '../../classify/index.js';
import { incidentFacts, type IncidentFacts, type IncidentOptions, type ScoredLike } from './incident.js';

export const POSTMORTEM_MIME = 'application/vnd.netrunbook.postmortem+json';

/** One moment of the incident. `source` says where it came from: the data, or the engineer. */
export interface TimelineEvent {
  /** ISO 8601 UTC. */
  at: string;
  what: string;
  kind: 'attack-start' | 'peak' | 'attack-end' | 'mitigation' | 'decision' | 'observation' | 'detected';
  source: 'data' | 'engineer';
}

export interface ImpactFigure {
  label: string;
  /** Formatted for people ("4,820 req/s", "37.2%"). */
  value: string;
  /** The number behind it, for diffs and tests. */
  number?: number;
}

export interface Vector {
  name: string;
  /** One sentence: what the traffic has in common. */
  description: string;
  /** Rows (requests or packets) of this vector. */
  rows?: number;
  /** Share of all rows. */
  share?: number;
  sources?: number;
  /** Titles of charts shown in the notebook that are this vector's evidence. */
  charts?: string[];
}

export interface MitigationEntry {
  /** waf_custom_rule, rate_limit, ip_list, network_firewall, ... */
  kind: string;
  expression: string;
  action: string;
  description?: string;
  /** Share of the attack it stops (0..1), share of good traffic it hits (0..1). */
  backtest?: { attack: number; good: number; hitsGood: boolean };
  /** What the backtest share is a share of ("the SYN flood vector", "all attack packets"). */
  attackOf?: string;
  /** Rate-limit thresholds, as the rule states them. */
  threshold?: { requests: number; periodSeconds: number; mitigationSeconds?: number; characteristics?: string[] };
  /** Complete contents of an IP list (every item, never cut). */
  list?: { name: string; items: string[] };
  /** Host firewall form (nftables). */
  nftables?: string;
  /** recommended: safe to deploy now; review: needs narrowing; applied: deployed (see appliedAt). */
  status: 'recommended' | 'review' | 'applied';
  appliedAt?: string;
  /** Measured effect after deployment, when a re-run measured it. */
  effect?: string;
}

export interface PostmortemSections {
  /** What happened, in one sentence ("An HTTP flood against /login ..."). */
  what?: string;
  /** Root cause in one sentence. */
  rootCause?: string;
  /** What fixed it (or what will), one sentence. */
  resolution?: string;
  /** The verdict paragraph the runbook also shows to the engineer. */
  verdict?: string;
  /** Computed attack window and impact (see `incidentFacts`). */
  incident?: IncidentFacts;
  timeline?: TimelineEvent[];
  impact?: ImpactFigure[];
  vectors?: Vector[];
  mitigations?: MitigationEntry[];
  residualRisk?: string[];
  followUps?: string[];
}

export interface PostmortemRecord extends PostmortemSections {
  /** Contract version. */
  v: 1;
}

function summaryText(s: PostmortemSections): string {
  const parts = [s.what, s.rootCause, s.resolution].filter((x): x is string => Boolean(x));
  const lists = [
    s.timeline?.length ? `${s.timeline.length} timeline events` : '',
    s.mitigations?.length ? `${s.mitigations.length} mitigations` : '',
    s.vectors?.length ? `${s.vectors.length} vectors` : '',
  ].filter(Boolean);
  return `[postmortem] ${parts.join(' ')}${lists.length ? ` (${lists.join(', ')})` : ''}`;
}

/** Current time as ISO (a function so tests and records agree on the format). */
export function nowIso(): string {
  return new Date().toISOString();
}

function toIso(at: Date | string | number | undefined): string {
  if (at === undefined) return nowIso();
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw new TypeError(`postmortem: ${JSON.stringify(at)} is not a time`);
  return d.toISOString();
}

export interface AppliedOptions {
  /** When it went live (default: now). */
  at?: Date | string | number;
  /** Who decided / deployed it. */
  by?: string;
  /** The rule or change, as deployed. */
  mitigation?: Omit<MitigationEntry, 'status' | 'appliedAt'>;
}

/** What the classifier's backtest share is a share of: all attack rows, not one vector's. */
function attackScope(unit: 'requests' | 'packets'): string {
  return `all attack ${unit}`;
}

/** A classifier mitigation as a postmortem entry: thresholds and complete list contents pulled from its API object. */
export function mitigationEntry(m: ClassifyMitigation, unit: 'requests' | 'packets' = 'requests'): MitigationEntry {
  const safe = !m.backtest.hitsGood && m.backtest.good < 0.001;
  const e: MitigationEntry = {
    kind: m.kind,
    expression: m.expression,
    action: m.action,
    description: m.description,
    backtest: { attack: m.backtest.attack, good: m.backtest.good, hitsGood: m.backtest.hitsGood },
    attackOf: attackScope(unit),
    status: safe ? 'recommended' : 'review',
  };
  const rl = (m.json as { ratelimit?: { requests_per_period?: unknown; period?: unknown; mitigation_timeout?: unknown; characteristics?: unknown } }).ratelimit;
  if (rl && typeof rl.requests_per_period === 'number' && typeof rl.period === 'number') {
    e.threshold = {
      requests: rl.requests_per_period,
      periodSeconds: rl.period,
      ...(typeof rl.mitigation_timeout === 'number' ? { mitigationSeconds: rl.mitigation_timeout } : {}),
      ...(Array.isArray(rl.characteristics) ? { characteristics: rl.characteristics.map(String) } : {}),
    };
  }
  const list = m.json as { list?: { name?: unknown }; items?: unknown };
  if (list.list && Array.isArray(list.items)) {
    e.list = { name: String(list.list.name ?? ''), items: list.items.map((x) => String((x as { ip?: unknown }).ip ?? x)) };
  }
  // The host form only for a rule that spares legitimate traffic.
  if (m.nftables && !m.backtest.hitsGood) e.nftables = m.nftables;
  return e;
}

/** Vectors and mitigations of a classifier analysis, in postmortem form. */
export function fromAnalysis(analysis: Pick<Analysis, 'clusters' | 'mitigations'>, opts: { unit?: 'requests' | 'packets'; charts?: string[] } = {}): Pick<PostmortemSections, 'vectors' | 'mitigations'> {
  const unit = opts.unit ?? 'requests';
  return {
    vectors: analysis.clusters.map((c) => ({
      name: c.name,
      description: `${c.rows} ${unit} from ${c.sources} sources; signatures ${c.signatures.join(', ') || 'none'}`,
      rows: c.rows,
      share: c.share,
      sources: c.sources,
      ...(opts.charts ? { charts: opts.charts } : {}),
    })),
    mitigations: analysis.mitigations.map((m) => mitigationEntry(m, unit)),
  };
}

export const postmortem = {
  MIME: POSTMORTEM_MIME,
  /** Attack window and impact computed from a scored table. */
  incident(scored: ScoredLike, opts: IncidentOptions = {}): IncidentFacts {
    return incidentFacts(scored, opts);
  },
  fromAnalysis,
  /** Declare sections of the postmortem from this cell's results. */
  record(sections: PostmortemSections): PostmortemRecord {
    const rec: PostmortemRecord = { v: 1, ...(JSON.parse(JSON.stringify(sections)) as PostmortemSections) };
    display.bundle({ [POSTMORTEM_MIME]: rec, 'text/plain': summaryText(rec) });
    return rec;
  },
  /**
   * Record a decision: "applied rule X at T". It lands in the timeline (source: engineer) and, with
   * `mitigation`, in the mitigations as applied.
   */
  applied(what: string, opts: AppliedOptions = {}): PostmortemRecord {
    const at = toIso(opts.at);
    const event: TimelineEvent = { at, what: opts.by ? `${what} (by ${opts.by})` : what, kind: 'mitigation', source: 'engineer' };
    return postmortem.record({
      timeline: [event],
      ...(opts.mitigation ? { mitigations: [{ ...opts.mitigation, status: 'applied', appliedAt: at }] } : {}),
    });
  },
  /**
   * A decision gate: asks through the kernel's `confirm()` (Jupyter's stdin box) unless `answer` is
   * given, records the question and the answer in the timeline either way, and with `mitigation`
   * records it as applied on "yes". A headless run cannot be asked: without `answer` it records
   * "no answer (headless run)" and returns false.
   */
  async confirm(question: string, opts: AppliedOptions & { answer?: boolean } = {}): Promise<boolean> {
    let answer = opts.answer;
    let how = '';
    if (answer === undefined) {
      const ask = (globalThis as { confirm?: (m: string) => Promise<boolean> | boolean }).confirm;
      try {
        answer = typeof ask === 'function' ? Boolean(await ask(question)) : undefined;
      } catch {
        answer = undefined;
      }
      if (answer === undefined) how = ' (no answer: headless run)';
    }
    const yes = answer === true;
    const at = toIso(opts.at);
    postmortem.record({
      timeline: [{ at, what: `${question} — ${yes ? 'yes' : 'no'}${how}${opts.by ? ` (by ${opts.by})` : ''}`, kind: 'decision', source: 'engineer' }],
      ...(yes && opts.mitigation ? { mitigations: [{ ...opts.mitigation, status: 'applied' as const, appliedAt: at }] } : {}),
    });
    return yes;
  },
  /** A moment the engineer observed ("customer reports recovery"). */
  note(what: string, at?: Date | string | number): PostmortemRecord {
    return postmortem.record({ timeline: [{ at: toIso(at), what, kind: 'observation', source: 'engineer' }] });
  },
};
