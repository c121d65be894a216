/** The shapes `analyze` returns: clusters, proposals with verdicts, refusals and levers. */
import type { DisplayData, DISPLAY } from '../../display.js';
import type { Phase } from '../phases.js';
import type { Figure } from './stats.js';
import type { Requirement } from './requires.js';

export interface AttributeShare {
  field: string;
  value: string | number | boolean;
  /** share of the cluster's rows with this value */
  share: number;
  /** share of possibly-good rows with this value */
  goodShare: number;
}

export interface Cluster {
  id: string;
  /** What the engineer would call it. */
  name: string;
  layer: 'l7' | 'l34';
  rows: number;
  share: number;
  signatures: string[];
  attributes: AttributeShare[];
  topSources: { ip: string; rows: number }[];
  sources: number;
}

export type MitigationKind = 'waf_custom_rule' | 'rate_limit' | 'ip_list' | 'network_firewall' | 'skip_rule';
export type Action = 'block' | 'managed_challenge' | 'log' | 'skip';
/** safe: proven within the limit on traffic it was not derived from; unproven: too little such traffic. */
export type Verdict = 'safe' | 'unproven';

/** One HTTP request to the Cloudflare API; `{zone_id}`-style placeholders are left for the engineer. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body: unknown;
  /** What the call is for (read the entry point id first, poll the bulk operation, ...). */
  note?: string;
}

export interface BacktestFigures {
  /** Share of this cluster's confident-attack rows matched (0..1). */
  attack: number;
  /** Share of possibly-good rows matched (0..1): what the verdict is judged on. */
  good: number;
  attackMatched: number;
  goodMatched: number;
  hitsGood: boolean;
  attackFigure: Figure;
  goodFigure: Figure;
  /**
   * The possibly-good requests matched whose clients cannot solve a challenge (thresholds.ts
   * CANNOT_SOLVE_CHALLENGE), as a share of all possibly-good requests; absent where the traffic has
   * no user agents (packets).
   */
  noChallengeFigure?: Figure;
  /** Where the possibly-good rows came from. */
  reference: { incidentRows: number; baselineRows: number; source: string };
  /** Against caller-supplied ground truth (synthetic traffic), when given. */
  truth?: { attack: Figure; good: Figure };
}

export interface GuardNote {
  guard: string;
  outcome: 'refused' | 'downgraded' | 'changed' | 'note';
  reason: string;
}

export interface Mitigation {
  id: string;
  kind: MitigationKind;
  cluster: string;
  description: string;
  expression: string;
  action: Action;
  /** 'origin': an nftables/iptables rule for the customer's own firewall, not a Cloudflare phase. */
  phase: Phase | 'origin';
  /** The Cloudflare API object for its phase (rule, rate limiting rule, list + items, Magic Firewall rule). */
  json: Record<string, unknown>;
  /** The exact requests, in order. */
  api: ApiRequest[];
  /** Where the rule goes in its phase, in words. */
  position: string;
  /** The tool's verdict: true only when proven within the limit for its action. */
  safe: boolean;
  verdict: Verdict;
  /** Why, with the evidence that would prove an unproven rule. */
  why: string;
  requires: Requirement;
  /** Same object: DESIGN.md spells the key `require`. */
  require: Requirement;
  /** Deploy in stages: log -> challenge -> block. */
  plan: string[];
  backtest: BacktestFigures;
  /** Share of this cluster's rows it matches. */
  clusterCoverage: number;
  guards: GuardNote[];
  /** What deploying it can break even when it is right (stateless rules, ECN, fragments, ...). */
  breaks?: string;
  /**
   * Origin web server form (an nginx `limit_req` for a rate limit), with what it cannot do that the
   * Cloudflare rule does (count responses, per data centre, JA4) said in `originNote`.
   */
  nginx?: string;
  originNote?: string;
  /** Origin firewall forms. */
  nftables?: string;
  iptables?: string;
  /** A rule for a lower plan when this one needs more (e.g. no `matches`, no Bot Management fields). */
  lowerPlan?: { expression: string; requires: Requirement; backtest: BacktestFigures };
  /** False when the zone (from --plan/--bot-management) cannot deploy it. */
  deployable?: boolean;
}

/** A proposal a guard rail stopped, with the reason printed to the engineer. */
export interface Refusal {
  cluster: string;
  kind: MitigationKind;
  expression: string;
  guard: string;
  reason: string;
  instead?: string;
}

export type LeverKind = 'ddos_l7_override' | 'ddos_l4_override' | 'under_attack_mode' | 'super_bot_fight_mode' | 'advanced_tcp_protection' | 'spectrum' | 'leaked_credentials';

/** A Cloudflare-native setting the evidence points to. */
export interface Lever {
  kind: LeverKind;
  clusters: string[];
  why: string;
  requires: Requirement;
  require: Requirement;
  api: ApiRequest[];
  plan: string[];
}

export interface Analysis {
  /** Unique per incident; every rule's `ref` starts with it. */
  incident: string;
  clusters: Cluster[];
  mitigations: Mitigation[];
  refused: Refusal[];
  levers: Lever[];
  topSources: { ip: string; rows: number; malicious: number }[];
  /** What the backtests were graded on. */
  evidence: { incidentReferenceRows: number; baselineRows: number; attackRows: number; source: string };
  /** Incident rows a proposal acts on (0/1), after the skip rule; not serialised. */
  rowsMatched(id: string): Uint8Array | undefined;
  [DISPLAY](): DisplayData;
}
