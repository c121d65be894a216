/**
 * Behaviour signatures: attacks that look like browsers, told apart from people by what they do
 * over time (src/classify/behaviour). Each one reads `behaviour.*` fields, so it needs no JA4,
 * ASN or bot score and works on origin logs as well. Two signatures carry negative weights:
 * they explain busy-but-good traffic (many people behind one address; the customer's monitoring)
 * so that per-address volume alone does not make them suspicious.
 */
import type { Signature } from './types.js';

/** A browser's user agent that does not declare itself a bot, crawler or feed reader (those are named, not disguised). */
const BROWSER_UA = 'http.user_agent contains "Mozilla/" and not lower(http.user_agent) matches r"(bot\\b|bot/|crawl|spider|slurp|feed|compatible;|\\+https?://)"';
/** A flood: an incident stretch of at least 60 requests a minute from at least 20 addresses (a few pollers at once are not one). */
const FLOOD = 'behaviour.endpoint.incident and behaviour.endpoint.per_min ge 60 and behaviour.endpoint.sources ge 20';

const SIGNATURES: Signature[] = [
  // ---------------------------------------------------------------- credential stuffing (per endpoint)
  {
    id: 'bh.credential-stuffing', title: 'distributed credential stuffing: a failed login while many addresses fail on the same login endpoint', layer: 'l7', kind: 'expression', weight: 35,
    expression: 'behaviour.request.login and behaviour.request.failed and behaviour.endpoint.login_failed_pct ge 50 and behaviour.endpoint.sources ge 10 and (behaviour.endpoint.incident or behaviour.endpoint.login_attempts ge 30)',
  },
  {
    id: 'bh.login-only-client', title: 'client that only tried to log in (no pages, no assets) and failed', layer: 'l7', kind: 'expression', weight: 30,
    expression: 'behaviour.client.login_attempts ge 1 and behaviour.client.login_failed_pct ge 50 and behaviour.client.static_pct eq 0 and behaviour.client.endpoints le 3',
  },
  {
    // one browser session failing login after login all day (a driven browser inside a corporate
    // NAT: the address, user agent and TLS stack are the colleagues'; the session is its own)
    id: 'bh.session-login-failures', title: 'session that failed 20+ logins (90%+ of its attempts)', layer: 'l7', kind: 'expression', weight: 45,
    expression: 'behaviour.request.login and behaviour.session.login_attempts ge 20 and behaviour.session.login_failed_pct ge 90',
  },
  { id: 'bh.blind-login', title: 'login POST without the login page fetched first', layer: 'l7', kind: 'expression', weight: 15, expression: 'behaviour.request.login and behaviour.request.blind_post' },
  // ---------------------------------------------------------------- search / cart flood (per endpoint)
  {
    id: 'bh.endpoint-flood', title: 'endpoint flooded far above its baseline by requests without a session', layer: 'l7', kind: 'expression', weight: 35,
    expression: `${FLOOD} and behaviour.endpoint.ratio_pct ge 500 and behaviour.endpoint.no_session_pct ge 50 and not behaviour.request.session and not behaviour.request.static`,
  },
  {
    // a referer spares a person who searched from a page a few times; forged on every request it
    // spares nobody, so 20+ requests to the flooded endpoints alone count whatever the referer says
    id: 'bh.single-purpose-client', title: 'client that requested only the flooded endpoint (no pages, no assets; 20+ requests, or mostly without referer)', layer: 'l7', kind: 'expression', weight: 30,
    expression: `${FLOOD} and behaviour.client.endpoints le 2 and behaviour.client.static_pct eq 0 and (behaviour.client.referer_pct lt 50 or behaviour.client.requests ge 20)`,
  },
  {
    id: 'bh.random-query', title: 'random search terms (not words) during a flood of unique queries', layer: 'l7', kind: 'expression', weight: 20,
    expression: `behaviour.request.random_query and ${FLOOD} and behaviour.endpoint.query_unique_pct ge 70`,
  },
  // ---------------------------------------------------------------- headless browsers walking the catalogue
  {
    // Referers are easy to forge (a scraper sends its last page as one), so from a hosting network
    // the walk alone counts once it is long: a hundred distinct pages without their images, styles
    // or scripts is not a person reading them, whatever the referer says.
    id: 'bh.catalogue-walk', title: 'browser walking many pages without loading assets (and without referers, or 100+ pages from a hosting network)', layer: 'l7', kind: 'expression', weight: 40,
    expression: `${BROWSER_UA} and behaviour.actor.static_pct lt 5 and not behaviour.network.mobile and not behaviour.network.crawler and (behaviour.actor.paths ge 30 and behaviour.actor.referer_pct lt 10 or behaviour.actor.paths ge 100 and behaviour.network.hosting)`,
  },
  {
    id: 'bh.hosting-no-assets', title: 'browser on a hosting/cloud network that loads no assets', layer: 'l7', kind: 'expression', weight: 40,
    expression: `${BROWSER_UA} and behaviour.network.hosting and behaviour.client.static_pct eq 0 and behaviour.client.paths ge 10`,
  },
  {
    id: 'bh.machine-timing', title: 'page requests at machine-regular intervals', layer: 'l7', kind: 'expression', weight: 20,
    expression: `${BROWSER_UA} and behaviour.actor.interval_cv_pct ge 0 and behaviour.actor.interval_cv_pct lt 25 and behaviour.actor.paths ge 10`,
  },
  // ---------------------------------------------------------------- busy but good
  {
    id: 'bh.shared-address', title: 'address shared by many people browsing (corporate NAT, mobile CGNAT)', layer: 'l7', kind: 'expression', weight: -30,
    expression: 'behaviour.ip.browsers ge 10 and (behaviour.actor.static_pct gt 0 and behaviour.actor.referer_pct ge 20 or behaviour.network.mobile)',
  },
  {
    id: 'bh.health-check', title: 'monitoring: one page at a steady interval', layer: 'l7', kind: 'expression', weight: -30,
    expression: 'behaviour.client.endpoints le 2 and behaviour.client.requests ge 10 and behaviour.client.interval_cv_pct ge 0 and behaviour.client.interval_cv_pct lt 10 and behaviour.client.peak_per_min le 12 and behaviour.client.login_attempts eq 0 and behaviour.client.static_pct eq 0',
  },
];

/** Not deployable as written: behaviour.* fields exist only in this analysis, not at Cloudflare's edge. */
export const BEHAVIOUR_SIGNATURES: Signature[] = SIGNATURES.map((s) => ({ ...s, deployable: false }));
