/**
 * Every Cloudflare API request the mitigation emitters write validates against a JSON schema
 * written from Cloudflare's API documentation (test/fixtures/cloudflare-api, each naming its
 * source), every expression passes the phase-aware checker for its phase, and refs are unique.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as aq from 'arquero';
import AjvModule from 'ajv';
import { corpus, fixture } from '../helpers/paths.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { score, analyze, checkPhase, type Analysis, type ApiRequest } from '../../src/classify/index.js';
import { synthesize, toColumns, MONITORING_RANGES } from '../../bench/synth.js';
import { generateScenario } from '../../bench/scenarios.js';
import { scenario2 } from './mitigate-scenario2.js';

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
const AjvCtor = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as new (o: object) => { compile(s: object): Validate };
const ajv = new AjvCtor({ allErrors: true, strict: false });
const schema = (name: string): Validate => {
  const s = JSON.parse(fs.readFileSync(fixture('cloudflare-api', `${name}.schema.json`), 'utf8')) as { $comment?: string };
  assert.match(s.$comment ?? '', /https:\/\/developers\.cloudflare\.com\//, `${name} names its source`);
  return ajv.compile(s);
};
const ROUTES: [string, RegExp, string][] = [
  ['POST', /\/rulesets\/\{http_request_firewall_custom_ruleset_id\}\/rules$/, 'custom-rule'],
  ['POST', /\/rulesets\/\{http_ratelimit_ruleset_id\}\/rules$/, 'ratelimit-rule'],
  ['POST', /\/rulesets\/\{magic_transit_ruleset_id\}\/rules$/, 'magic-firewall-rule'],
  ['POST', /^\/accounts\/\{account_id\}\/rules\/lists$/, 'list-create'],
  ['POST', /\/rules\/lists\/\{[a-z0-9_]+_list_id\}\/items$/, 'list-items'],
  ['PUT', /\/rulesets\/phases\/ddos_l[47]\/entrypoint$/, 'ddos-override'],
  ['PATCH', /\/settings\/security_level$/, 'security-level'],
  ['PUT', /\/bot_management$/, 'bot-management'],
  ['PATCH', /\/tcp_protection_status$/, 'atp-status'],
  ['POST', /\/(syn_protection|tcp_flow_protection)\/rules$/, 'atp-rule'],
  ['POST', /\/prefixes\/bulk$/, 'atp-prefixes'],
  ['POST', /\/spectrum\/apps$/, 'spectrum-app'],
  ['POST', /\/leaked-credential-checks$/, 'leaked-credential-checks'],
];
const validators = new Map(ROUTES.map(([, , name]) => [name, schema(name)]));

function checkRequests(where: string, reqs: readonly ApiRequest[]): number {
  let checked = 0;
  for (const r of reqs) {
    assert.match(r.path, /^\/(zones\/\{zone_id\}|accounts\/\{account_id\})\//, `${where}: ${r.path} uses a zone/account placeholder`);
    if (r.method === 'GET') {
      assert.is(r.body, null, `${where}: GET has no body`);
      continue;
    }
    const route = ROUTES.find(([m, re]) => m === r.method && re.test(r.path));
    assert.ok(route, `${where}: no schema for ${r.method} ${r.path}`);
    const v = validators.get((route as [string, RegExp, string])[2]) as Validate;
    assert.ok(v(r.body), `${where}: ${r.method} ${r.path} ${JSON.stringify(r.body).slice(0, 300)}\n${JSON.stringify(v.errors)}`);
    checked++;
  }
  return checked;
}

function checkAnalysis(where: string, a: Analysis): number {
  let n = 0;
  const refs = new Set<string>();
  for (const m of a.mitigations) {
    n += checkRequests(`${where} ${m.id}`, m.api);
    if (m.phase !== 'origin') {
      const lists = m.kind === 'ip_list' ? [String((m.json['list'] as { name: string }).name)] : [];
      assert.equal(checkPhase(m.expression, m.phase, { lists }), [], `${where} ${m.id}: ${m.expression} is accepted in ${m.phase}`);
    }
    const ref = (m.kind === 'ip_list' ? (m.json['rule'] as { ref?: string }).ref : (m.json['ref'] as string | undefined)) ?? '';
    if (m.phase !== 'origin' && m.phase !== 'magic_transit') {
      assert.ok(ref.startsWith(a.incident), `${where} ${m.id}: ref ${ref} names the incident`);
      assert.not.ok(refs.has(ref), `${where}: ref ${ref} is unique`);
      refs.add(ref);
    }
    assert.equal(m.require, m.requires, 'require and requires carry the same requirement');
    assert.type(m.safe, 'boolean');
  }
  for (const l of a.levers) n += checkRequests(`${where} ${l.kind}`, l.api);
  return n;
}

const CAPTURES = fs.readdirSync(corpus('stopddos-packet-captures')).filter((f) => /\.pcap(ng)?$/.test(f));

test('the API bodies emitted for every StopDDoS capture validate against the documented schemas, and each expression passes its phase', async () => {
  let checked = 0;
  const incidents = new Set<string>();
  for (const f of CAPTURES) {
    const { table } = await loadTraffic(corpus('stopddos-packet-captures', f), { format: 'pcap' });
    const a = analyze(score(table));
    incidents.add(a.incident);
    checked += checkAnalysis(f, a);
  }
  assert.is(incidents.size, CAPTURES.length, 'each incident has its own ref prefix');
  assert.ok(checked >= 10, `${checked} bodies validated`);
});

test('the API bodies for labelled HTTP traffic (skip rule, custom rules, rate limits, lists, levers) validate too', () => {
  const s = toColumns(synthesize({ seed: 7, durationSec: 300, attacks: ['http-flood', 'login-stuffing', 'scanner', 'scraper', 'cache-busting'] }));
  const r = score(aq.table(s.columns), { allow: MONITORING_RANGES });
  const a = analyze(r, { allow: MONITORING_RANGES });
  const kinds = new Set(a.mitigations.map((m) => m.kind));
  for (const k of ['skip_rule', 'waf_custom_rule', 'rate_limit'] as const) assert.ok(kinds.has(k), `emits a ${k}`);
  assert.ok(checkAnalysis('synthetic', a) >= 5);
});

test('a counting expression on failed logins passes the rate limiting phase as a counting expression (synthetic login stuffing); stuffing with sessions (test/classify/mitigate-scenario2.ts) gets leaked-credentials detection and every body validates', () => {
  const s = toColumns(synthesize({ seed: 7, durationSec: 300, attacks: ['http-flood', 'login-stuffing', 'scanner', 'scraper', 'cache-busting'] }));
  const syn = analyze(score(aq.table(s.columns), { allow: MONITORING_RANGES }), { allow: MONITORING_RANGES });
  const counted = syn.mitigations.filter((m) => m.kind === 'rate_limit' && (m.json['ratelimit'] as { counting_expression?: string }).counting_expression);
  assert.ok(counted.length >= 1, 'a rate limit counts failed logins');
  for (const m of counted) {
    const ce = (m.json['ratelimit'] as { counting_expression: string }).counting_expression;
    assert.match(ce, /http\.response\.code in \{401 403\}/);
    assert.ok(ce.startsWith(m.expression), 'the counting expression includes the rule expression (it does not extend it by itself)');
    assert.equal(checkPhase(ce, 'http_ratelimit', { counting: true }), []);
    assert.ok(m.requires.reasons.some((r) => /counting expression/.test(r)), 'says the counting expression needs Business');
    assert.ok(['business', 'enterprise'].includes(m.requires.plan));
  }
  const a = analyze(score(scenario2(5).table));
  assert.ok(a.levers.some((l) => l.kind === 'leaked_credentials'), 'leaked credentials detection is suggested for credential stuffing');
  assert.ok(checkAnalysis('scenarios', a) >= 5);
});

test('a rate limit on a counter every client shares (per JA4, per endpoint) never blocks: it throttles with a challenge', () => {
  for (const a of [analyze(score(scenario2(5).table))]) {
    for (const m of a.mitigations) {
      if (m.kind !== 'rate_limit') continue;
      const rl = m.json['ratelimit'] as { characteristics: string[]; mitigation_timeout: number };
      if (rl.characteristics.includes('ip.src')) continue;
      assert.is(m.action, 'managed_challenge', m.expression);
      assert.is(rl.mitigation_timeout, 0);
    }
  }
});

test('the origin nginx form of each rate limit (limit_req, method scoped by a map) passes nginx -t', () => {
  const a = analyze(score(generateScenario({ seed: 2 }).table));
  const forms = a.mitigations.filter((m) => m.kind === 'rate_limit' && m.nginx);
  assert.ok(forms.length >= 1, 'a rate limit has an nginx form');
  for (const m of a.mitigations.filter((x) => x.kind === 'rate_limit')) assert.ok((m.originNote ?? '').length > 20, `${m.id} says what the origin form cannot do`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mitbots-nginx-'));
  try {
    for (const m of forms) {
      const [httpPart, serverPart] = (m.nginx as string).split('# server { } context');
      const conf = `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n${httpPart}\n  server {\n    listen 127.0.0.1:1;\n${serverPart}\n  }\n}\n`;
      const file = path.join(dir, `${m.id}.conf`);
      fs.writeFileSync(file, conf);
      const r = spawnSync('nginx', ['-t', '-q', '-p', dir, '-c', file], { encoding: 'utf8' });
      assert.is(r.status, 0, `${m.id}: nginx -t\n${r.stderr}\n${conf}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the phase checker rejects packet fields in HTTP phases, HTTP and fragment fields in Magic Firewall, and names syntax errors', () => {
  assert.match(checkPhase('tcp.dstport eq 443', 'http_request_firewall_custom')[0]?.why ?? '', /packet field/);
  assert.match(checkPhase('http.request.uri.path eq "/login"', 'magic_transit')[0]?.why ?? '', /HTTP field/);
  assert.match(checkPhase('ip.frag_offset gt 0', 'magic_transit')[0]?.why ?? '', /fragment/);
  assert.match(checkPhase('lower(http.user_agent) eq "x"', 'magic_transit').map((p) => p.why).join(' '), /HTTP field|no functions/);
  assert.match(checkPhase('http.response.code eq 401', 'http_request_firewall_custom')[0]?.why ?? '', /counting_expression/);
  assert.equal(checkPhase('http.response.code eq 401', 'http_ratelimit', { counting: true }), []);
  assert.match(checkPhase('http.request.uri.path eq ', 'http_request_firewall_custom')[0]?.why ?? '', /ends where/);
  assert.equal(checkPhase('ip.proto eq "udp" and udp.srcport eq 161', 'magic_transit'), []);
});

test.run();
