/**
 * Requests for Cloudflare-native levers: DDoS managed ruleset overrides, Under Attack mode, Super
 * Bot Fight Mode, Advanced TCP Protection, Spectrum. Sources: ddos-protection/managed-rulesets/
 * {http,network}/configure-api, fundamentals/reference/under-attack-mode (security_level setting),
 * bots/get-started (PUT /zones/{zone_id}/bot_management), ddos-protection/advanced-ddos-systems/
 * api/tcp-protection, spectrum/get-started (POST /zones/{zone_id}/spectrum/apps).
 */
import type { ApiRequest } from '../types.js';
import { addRule, managedOverride } from './rulesets.js';

/** Cloudflare HTTP DDoS Attack Protection managed ruleset. */
export const HTTP_DDOS_RULESET = '4d21379b4f9f4bb088e0729962c8b3cf';
/** Cloudflare Network-layer DDoS Attack Protection managed ruleset. */
export const NETWORK_DDOS_RULESET = '3b64149bfa6e4220bbbc2bd6db589c66';

export function ddosL7Override(sensitivity: 'default' | 'medium' | 'low' | 'eoff', action: 'block' | 'managed_challenge' | undefined, description: string): ApiRequest[] {
  return managedOverride('zone', 'ddos_l7', HTTP_DDOS_RULESET, { sensitivity_level: sensitivity, ...(action ? { action } : {}) }, description);
}

export function ddosL4Override(sensitivity: 'default' | 'medium' | 'low' | 'eoff', description: string): ApiRequest[] {
  return managedOverride('account', 'ddos_l4', NETWORK_DDOS_RULESET, { sensitivity_level: sensitivity }, description);
}

export function underAttack(): ApiRequest[] {
  return [
    { method: 'GET', path: '/zones/{zone_id}/settings/security_level', body: null, note: 'note the current value to restore it after the attack' },
    { method: 'PATCH', path: '/zones/{zone_id}/settings/security_level', body: { value: 'under_attack' } },
  ];
}

export function superBotFightMode(): ApiRequest[] {
  return [
    { method: 'GET', path: '/zones/{zone_id}/bot_management', body: null, note: 'the fields accepted depend on the plan (Bot Fight Mode on Free, SBFM on Pro/Business)' },
    { method: 'PUT', path: '/zones/{zone_id}/bot_management', body: { sbfm_definitely_automated: 'managed_challenge', sbfm_verified_bots: 'allow', sbfm_static_resource_protection: false, enable_js: true } },
  ];
}

export function advancedTcpProtection(prefixes: readonly string[]): ApiRequest[] {
  return [
    { method: 'GET', path: '/accounts/{account_id}/magic/advanced_tcp_protection/configs/tcp_protection_status', body: null },
    ...(prefixes.length ? [{ method: 'POST' as const, path: '/accounts/{account_id}/magic/advanced_tcp_protection/configs/prefixes/bulk', body: prefixes.map((prefix) => ({ prefix, comment: 'netrunbook: attacked destination', excluded: false })), note: 'onboard the attacked prefixes (the customer\'s Magic Transit prefixes covering them)' }] : []),
    { method: 'POST', path: '/accounts/{account_id}/magic/advanced_tcp_protection/configs/syn_protection/rules', body: { scope: 'global', name: 'global', mode: 'monitoring', rate_sensitivity: 'medium', burst_sensitivity: 'medium' }, note: 'monitoring first; switch mode to "enabled" once the analytics show only the flood' },
    { method: 'POST', path: '/accounts/{account_id}/magic/advanced_tcp_protection/configs/tcp_flow_protection/rules', body: { scope: 'global', name: 'global', mode: 'monitoring', rate_sensitivity: 'medium', burst_sensitivity: 'medium' }, note: 'out-of-state TCP (SYN-ACK, ACK, RST floods)' },
    { method: 'PATCH', path: '/accounts/{account_id}/magic/advanced_tcp_protection/configs/tcp_protection_status', body: { enabled: true } },
  ];
}

/**
 * Leaked credentials detection (waf/detections/leaked-credentials: detection on all plans; the
 * `cf.waf.credential_check.username_and_password_leaked` field needs Pro or above, custom
 * detection locations Enterprise; API: POST /zones/{zone_id}/leaked-credential-checks), then a
 * custom rule that challenges logins with a leaked username and password pair.
 */
export function leakedCredentials(rule: Record<string, unknown>): ApiRequest[] {
  return [
    { method: 'GET', path: '/zones/{zone_id}/leaked-credential-checks', body: null, note: 'is detection already on?' },
    { method: 'POST', path: '/zones/{zone_id}/leaked-credential-checks', body: { enabled: true }, note: 'turn detection on: it scans login requests of common applications (and generic patterns) against known leaked pairs' },
    ...addRule('zone', 'http_request_firewall_custom', rule, undefined),
  ];
}

export function spectrumApp(protocol: string, port: number): ApiRequest[] {
  return [
    {
      method: 'POST',
      path: '/zones/{zone_id}/spectrum/apps',
      body: { protocol: `${protocol}/${port}`, dns: { type: 'CNAME', name: '{service_hostname}' }, origin_direct: [`${protocol}://{origin_ip}:${port}`], proxy_protocol: 'off', ip_firewall: true, tls: 'off', traffic_type: 'direct' },
      note: 'then point clients at {service_hostname} and allow only Cloudflare ranges to the origin port',
    },
  ];
}
