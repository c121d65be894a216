/**
 * Cloudflare-native levers the evidence points to, before any hand-written rule: DDoS managed
 * ruleset overrides, Under Attack mode, Super Bot Fight Mode, Advanced TCP Protection, Spectrum.
 */
import type { ClusterWithRows } from '../cluster.js';
import { Needs } from '../requires.js';
import { advancedTcpProtection, ddosL4Override, ddosL7Override, leakedCredentials, spectrumApp, superBotFightMode, underAttack } from '../api/settings.js';
import type { Lever, Refusal } from '../types.js';

const BOT_SIGS = new Set(['l7.automation-ua', 'l7.browser-ua-library-tls', 'l7.low-bot-score', 'l7.browser-no-accept-language', 'l7.empty-ua', 'bh.catalogue-walk', 'bh.hosting-no-assets', 'bh.machine-timing']);
/** Signatures of password guessing: leaked credentials detection fits them. */
export const LOGIN_SIGS: ReadonlySet<string> = new Set(['bh.credential-stuffing', 'bh.login-only-client', 'bh.blind-login', 'l7.login-rate', 'l7.auth-failures']);
const FLOOD_SIGS = new Set(['l7.source-rate', 'l7.path-spread', 'l7.cache-busting']);
/** Spectrum plans by port: Pro/Business cover these; any other port needs Enterprise. */
const SPECTRUM_PORTS: Readonly<Record<number, 'pro' | 'business'>> = { 22: 'pro', 25565: 'pro', 3389: 'business' };

export function leversFor(clusters: readonly ClusterWithRows[], refused: readonly Refusal[], incident: string): Lever[] {
  const out: Lever[] = [];
  const lever = (l: Omit<Lever, 'require'>) => out.push({ ...l, require: l.requires });
  const tcpOutOfState = clusters.filter((c) => c.layer === 'l34' && /SYN|RST/.test(c.name));
  if (tcpOutOfState.length) {
    const dsts = [...new Set(tcpOutOfState.flatMap((c) => c.attributes.filter((a) => a.field === 'ip.dst' && a.share >= 0.5).map((a) => String(a.value))))];
    lever({
      kind: 'advanced_tcp_protection', clusters: tcpOutOfState.map((c) => c.id),
      why: `${tcpOutOfState.map((c) => c.name).join('; ')}: SYN floods and out-of-state TCP (SYN-ACK, RST, ACK) are what Advanced TCP Protection is for: it tracks connection state at the edge, challenges SYNs and drops packets that belong to no connection, without blocking the service port or the customer's own outbound traffic`,
      requires: new Needs().need('enterprise', 'Advanced TCP Protection', { product: 'Magic Transit' }).done(),
      api: advancedTcpProtection(dsts.map((d) => (d.includes(':') ? `${d}/128` : `${d}/32`))),
      plan: ['onboard the attacked prefixes', 'SYN flood and out-of-state TCP protection in monitoring mode; check the dashboard shows the flood', 'switch mode to enabled'],
    });
  }
  const l34 = clusters.filter((c) => c.layer === 'l34');
  if (l34.length) {
    lever({
      kind: 'ddos_l4_override', clusters: l34.map((c) => c.id),
      why: 'the Network-layer DDoS managed ruleset already mitigates reflection, UDP, ICMP and fragment floods; make sure no override lowered it (sensitivity default = high, action block)',
      requires: new Needs().need('enterprise', 'account-level L4 DDoS override', { product: 'Magic Transit or Spectrum' }).done(),
      api: ddosL4Override('default', `netrunbook ${incident}: L4 DDoS at default (high) sensitivity`),
      plan: ['read the current overrides', 'set sensitivity_level default for the rules that detected this vector'],
    });
    const ports = new Set<number>();
    for (const c of l34) for (const a of c.attributes) if (a.field === 'tcp.dstport' && a.share >= 0.5 && typeof a.value === 'number' && a.value !== 80 && a.value !== 443) ports.add(a.value);
    for (const port of ports) {
      const plan = SPECTRUM_PORTS[port] ?? 'enterprise';
      lever({
        kind: 'spectrum', clusters: l34.filter((c) => c.attributes.some((a) => a.field === 'tcp.dstport' && a.value === port)).map((c) => c.id),
        why: `tcp/${port} is a non-HTTP service: if it is not behind Magic Transit, Spectrum proxies it through Cloudflare so L3/4 floods stop at the edge and the origin accepts only Cloudflare`,
        requires: new Needs().need(plan, `Spectrum for tcp/${port}`).done(),
        api: spectrumApp('tcp', port),
        plan: ['create the Spectrum app', 'move clients to its hostname', 'firewall the origin port to Cloudflare ranges only'],
      });
    }
  }
  const l7 = clusters.filter((c) => c.layer === 'l7');
  const floods = l7.filter((c) => c.signatures.some((s) => FLOOD_SIGS.has(s)) || c.sources >= 100);
  if (floods.length) {
    lever({
      kind: 'ddos_l7_override', clusters: floods.map((c) => c.id),
      why: `${floods.map((c) => c.name).join('; ')}: request floods are first the HTTP DDoS managed ruleset's job; keep it at default (high) sensitivity`,
      requires: new Needs().need('free', 'HTTP DDoS managed ruleset override').done(),
      api: ddosL7Override('default', undefined, `netrunbook ${incident}: HTTP DDoS at default (high) sensitivity`),
      plan: ['read the current overrides', 'set sensitivity_level default'],
    });
    if (floods.some((c) => c.sources >= 100)) {
      lever({
        kind: 'under_attack_mode', clusters: floods.map((c) => c.id),
        why: 'a distributed flood from many sources: Under Attack mode challenges every visitor (browsers pass); it breaks API, mobile-app and webhook clients, so scope it with a custom rule instead where those exist, and turn it off after the attack',
        requires: new Needs().need('free', 'Under Attack mode').done(),
        api: underAttack(),
        plan: ['only while the rules above are being proven', 'restore the previous security level afterwards'],
      });
    }
  }
  const bots = l7.filter((c) => c.signatures.some((s) => BOT_SIGS.has(s)));
  if (bots.length) {
    lever({
      kind: 'super_bot_fight_mode', clusters: bots.map((c) => c.id),
      why: `${bots.map((c) => c.name).join('; ')}: automated clients; Super Bot Fight Mode challenges "definitely automated" traffic and allows verified bots (Bot Fight Mode on Free)`,
      requires: new Needs().need('pro', 'Super Bot Fight Mode').done(),
      api: superBotFightMode(),
      plan: ['definitely automated: managed_challenge; verified bots: allow', 'check that the customer\'s API and app clients are not challenged (SBFM cannot be skipped per path below Enterprise)'],
    });
  }
  const logins = l7.filter((c) => c.signatures.some((s) => LOGIN_SIGS.has(s)));
  if (logins.length) {
    const rule = {
      description: `netrunbook ${incident}: challenge logins with a leaked username and password`, expression: 'cf.waf.credential_check.username_and_password_leaked',
      action: 'managed_challenge', enabled: true, ref: `${incident}-leaked-credentials`,
    };
    lever({
      kind: 'leaked_credentials', clusters: logins.map((c) => c.id),
      why: `${logins.map((c) => c.name).join('; ')}: credential stuffing replays pairs leaked elsewhere; leaked credentials detection flags a login whose username and password pair is known leaked, whatever address, browser or fingerprint sends it. A log holds no passwords, so this cannot be backtested here: watch Security Analytics for the detection before the rule challenges`,
      requires: new Needs().need('pro', 'cf.waf.credential_check.username_and_password_leaked (detection itself is on every plan; Free has password_leaked only; custom detection locations are Enterprise)').done(),
      api: leakedCredentials(rule),
      plan: ['turn detection on and watch Security Analytics (Leaked credential check) for 15-30 minutes', 'add the rule challenging leaked pairs; tell the customer to force a password reset for accounts that logged in with one (the Exposed-Credential-Check header reaches the origin)'],
    });
  }
  void refused;
  return out;
}
