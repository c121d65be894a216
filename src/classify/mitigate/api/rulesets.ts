/**
 * Rulesets API requests for one rule in a phase entry point: read the entry point (its id), then
 * add the rule at a position. Never a PUT of the whole entry point: that replaces every rule the
 * customer already has. Source: developers.cloudflare.com/ruleset-engine/rulesets-api/ (add-rule,
 * endpoints) and /waf/custom-rules/create-api/, /waf/rate-limiting-rules/create-api/.
 */
import type { Phase } from '../../phases.js';
import type { ApiRequest } from '../types.js';

export type Scope = 'zone' | 'account';
export type Position = { index: number } | { before: string } | { after: string } | undefined;

const base = (scope: Scope) => (scope === 'zone' ? '/zones/{zone_id}' : '/accounts/{account_id}');

export function addRule(scope: Scope, phase: Phase, rule: Record<string, unknown>, position: Position): ApiRequest[] {
  const rulesetVar = `{${phase}_ruleset_id}`;
  return [
    {
      method: 'GET',
      path: `${base(scope)}/rulesets/phases/${phase}/entrypoint`,
      body: null,
      note: `read result.id as ${rulesetVar}; on 404 the phase has no entry point yet: create it with PUT ${base(scope)}/rulesets/phases/${phase}/entrypoint and body {"rules": []}`,
    },
    { method: 'POST', path: `${base(scope)}/rulesets/${rulesetVar}/rules`, body: position ? { ...rule, position } : rule, note: position ? `adds the rule at ${JSON.stringify(position)}` : 'appends the rule (evaluated after the existing ones)' },
  ];
}

/** The body of an entry point PUT that only deploys a managed ruleset with overrides (DDoS). */
export function managedOverride(scope: Scope, phase: Phase, managedId: string, overrides: Record<string, unknown>, description: string): ApiRequest[] {
  return [
    { method: 'GET', path: `${base(scope)}/rulesets/phases/${phase}/entrypoint`, body: null, note: 'read the existing overrides first: the PUT below replaces them, merge any you keep' },
    {
      method: 'PUT',
      path: `${base(scope)}/rulesets/phases/${phase}/entrypoint`,
      body: { description, rules: [{ action: 'execute', expression: 'true', description, action_parameters: { id: managedId, overrides } }] },
    },
  ];
}
