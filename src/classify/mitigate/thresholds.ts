/**
 * Every number the mitigation search and its verdicts depend on, named once. Tests import these
 * rather than repeating them, so changing a threshold changes what the tests expect.
 */

/** A blocking rule may hit at most this share of possibly-good traffic (upper 95% bound). */
export const GOOD_BLOCK_LIMIT = 0.001;
/** A challenging rule may hit at most this share of possibly-good traffic (upper 95% bound). */
export const GOOD_CHALLENGE_LIMIT = 0.01;
/**
 * Clients that cannot solve a managed challenge: no browser user agent (API integrations, mobile
 * apps, libraries, webhooks; a missing user agent too). For them a challenge is a block, so the
 * possibly-good requests of theirs a challenge hits are held to GOOD_BLOCK_LIMIT.
 */
export const CANNOT_SOLVE_CHALLENGE = 'not starts_with(http.user_agent, "Mozilla/")';
/** z for the two-sided 95% Wilson interval. */
export const WILSON_Z = 1.96;
/**
 * Fewest possibly-good rows with no hit that prove a limit: Wilson's upper bound for 0 of n is
 * z²/(n+z²), so n >= z²(1-limit)/limit.
 */
export const minReferenceFor = (limit: number): number => Math.ceil((WILSON_Z * WILSON_Z * (1 - limit)) / limit);

/** A predicate matching more than this share of possibly-good traffic is "broad" (site-wide). */
export const BROAD_PREDICATE_SHARE = 0.2;
/** Below this many possibly-good rows a predicate's share is not measured, only its kind. */
export const MIN_ROWS_FOR_SHARE = 30;

/** A source with at least this many distinct sessions (cookies) is a shared address (NAT/CGNAT). */
export const NAT_MIN_SESSIONS = 3;
/** ... or this many distinct user agents over at least NAT_MIN_TLS distinct TLS fingerprints. */
export const NAT_MIN_USER_AGENTS = 5;
export const NAT_MIN_TLS = 2;

/** Clusters smaller than this share of attack rows are folded away. */
export const MIN_CLUSTER_SHARE = 0.01;
export const MAX_CLUSTERS = 8;
/** A term must cover this share of its cluster to be a candidate. */
export const MIN_TERM_COVER = 0.3;
/** A value list for a field stops once it covers this share of the cluster ... */
export const VALUE_LIST_COVER = 0.95;
/** ... and is kept only if it covers at least this share, with at most VALUE_LIST_MAX values. */
export const VALUE_LIST_MIN_COVER = 0.6;
export const VALUE_LIST_MAX = 5;
/** A proposal must stop at least this share of its cluster to be worth deploying. */
export const MIN_PROPOSAL_COVER = 0.2;
/** A block also needs this share of the cluster (else it is a challenge: weaker evidence). */
export const BLOCK_MIN_COVER = 0.9;
/** ... and a cluster of at least this many confident-attack rows (a handful of rows is no pattern). */
export const BLOCK_MIN_CLUSTER_ROWS = 50;
/** A skip-rule component may match at most this share of any cluster's attack rows. */
export const SKIP_MAX_ATTACK_SHARE = 0.01;

/** Rate limit: threshold is this factor above the busiest possibly-good counter (and at least RL_MIN_LIMIT). */
export const RL_HEADROOM = 1.5;
export const RL_MIN_LIMIT = 10;
/** Rate limit default mitigation timeout (s) where the plan allows it. */
export const RL_TIMEOUT = 600;
/** A cluster whose sources sent at most this many requests each on average rotates addresses: its IP list is not called safe. */
export const LIST_ROTATING_PER_SOURCE = 5;
/** Most IP list items proposed for one cluster. */
export const LIST_MAX_ITEMS = 10000;
/** IPv6 list items are aggregated to this prefix (the Lists API takes IPv6 prefixes up to /64). */
export const IPV6_LIST_PREFIX = 64;

/** Static asset extensions excluded from rate limits unless the cluster targets them. */
export const STATIC_EXTENSIONS = ['js', 'css', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'woff', 'woff2', 'ttf', 'map', 'avif'] as const;
/** Extra custom rules per cluster for what the first one left (clusters can mix clients). */
export const RESIDUAL_RULES = 2;
/** A cluster counts as covered once its rules stop this share of it. */
export const RESIDUAL_DONE = 0.9;

/** A possibly-good source is cut off by a rule that stops more than this share of its requests ... */
export const CUT_OFF_SHARE = 0.5;
/** ... and at least this many of them (one unlucky request is not a client cut off). */
export const CUT_OFF_MIN_ROWS = 5;
/** Cut-off sources named in a proposal's `breaks`. */
export const CUT_OFF_LISTED = 3;
