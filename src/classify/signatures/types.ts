/** Signature definitions: a rules-language expression, or a windowed aggregate per key. */
export type Layer = 'l7' | 'l34';

interface Base {
  /** Stable id, e.g. `l7.scanner-ua`; a user signature with the same id overrides the pack's. */
  id: string;
  title: string;
  layer: Layer;
  /** Score contribution (0-100 scale) when it fires. */
  weight: number;
  /**
   * Signatures in one group contribute only their largest weight (so three volume signals on a
   * busy NAT do not add up to "malicious").
   */
  group?: string;
  /** Known-good rows (verified bots, allowlisted ranges) are not flagged by it. Default true. */
  exemptKnownGood?: boolean;
  /** Set false to switch a pack signature off from a rules file. */
  enabled?: boolean;
  /**
   * False when the expression reads fields Cloudflare does not have (`behaviour.*`, computed over
   * the log): evidence for scoring, not a rule to deploy as written (mitigate with a rate limit
   * on the endpoint or an IP list of the rows it fired on). Default true.
   */
  deployable?: boolean;
}

export interface ExpressionSignature extends Base {
  kind: 'expression';
  expression: string;
}

/**
 * Fires on rows matching `where` (default: all rows) whose key group has, within a tumbling
 * window of `window` seconds, at least `threshold` rows (`count`) or distinct `of` values
 * (`distinct`).
 */
export interface AggregateSignature extends Base {
  kind: 'aggregate';
  key: readonly string[];
  window: number;
  measure: 'count' | 'distinct';
  of?: string;
  where?: string;
  threshold: number;
}

export type Signature = ExpressionSignature | AggregateSignature;

export interface SignaturePack {
  name: string;
  version: string;
  signatures: readonly Signature[];
}
