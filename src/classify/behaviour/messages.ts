/** User-facing text of the behaviour analysis (reasons and the baseline report). */
const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : String(ms));

export const BEHAVIOUR_MESSAGES = {
  noTimestamps: 'no baseline: the log has no timestamps, so behaviour over time (rates, baselines, timing) could not be measured; only per-source and per-endpoint shares were used',
  tooShort: (minutes: number) => `no baseline: the log covers ${minutes} minute(s), too short to tell normal from incident (5 minutes at least); behaviour scores use absolute evidence only`,
  emptyRange: (from: number, to: number) => `no baseline: the baseline range ${iso(from)} to ${iso(to)} holds no minute of this log; behaviour scores use absolute evidence only`,
  emptyFile: (source: string) => `no baseline: the baseline log ${source} has no rows with an endpoint and a timestamp; behaviour scores use absolute evidence only`,
  auto: (minutes: number, incidents: number) => `automatic baseline: each endpoint's median minute over this log (${minutes} minutes); minutes above 3x that plus a Poisson margin are incidents (${incidents} found), the rest is the baseline`,
  range: (r: { from: number; to: number }, incidents: number) => `baseline: the time range ${iso(r.from)} to ${iso(r.to)} of this log (${incidents} incident stretches outside it)`,
  file: (source: string, incidents: number) => `baseline: per-endpoint rates from ${source} (${incidents} incident stretches in this log)`,
  singleSource: 'one source address only: per-endpoint comparisons across addresses (distributed attacks) do not apply',
  noLogin: 'no login endpoint in this log: credential-stuffing checks did not apply',
  noSource: 'no source address column: behaviour per source and per network did not apply',
} as const;
