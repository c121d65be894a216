/**
 * Lists API requests: create an account IP list, add its items (asynchronous: poll the bulk
 * operation), then the rule that references it. IPv6 items must be prefixes of /64 or shorter.
 * Source: developers.cloudflare.com/waf/tools/lists/lists-api/ (endpoints, json-object).
 */
import type { ApiRequest } from '../types.js';

export interface ListItem {
  ip: string;
  comment?: string;
}

export function createListRequests(name: string, description: string, items: readonly ListItem[]): ApiRequest[] {
  return [
    { method: 'POST', path: '/accounts/{account_id}/rules/lists', body: { name, kind: 'ip', description }, note: `read result.id as {${name}_list_id}` },
    { method: 'POST', path: `/accounts/{account_id}/rules/lists/{${name}_list_id}/items`, body: items, note: 'asynchronous: read result.operation_id' },
    { method: 'GET', path: '/accounts/{account_id}/rules/lists/bulk_operations/{operation_id}', body: null, note: 'poll until status is "completed" before the rule below references the list' },
  ];
}
