/** The closed sets in src/catalog.ts are the one source the rest derives from. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { FIELD, FIELD_NAMES, LABELS, isLabel, TOOLS, TOOL_PACKAGES } from '../src/catalog.js';
import { LABELS as VIZ_LABELS } from '../src/viz/index.js';
import { TOOL_PACKAGES as STEP_TOOL_PACKAGES } from '../src/steps/index.js';
import { ROOT } from './helpers/paths.js';

test('every tool setup.sh must install has its Debian package in APT_PACKAGES', () => {
  const setup = fs.readFileSync(path.join(ROOT, 'scripts/setup.sh'), 'utf8');
  const m = /APT_PACKAGES=\(([\s\S]*?)\)/.exec(setup);
  assert.ok(m, 'APT_PACKAGES in scripts/setup.sh');
  const apt = new Set((m?.[1] ?? '').split(/\s+/).filter(Boolean));
  for (const [tool, t] of Object.entries(TOOLS)) {
    if ('optional' in t && t.optional) continue;
    // dnsutils pulls bind9-dnsutils (delv) in on Debian 12
    const pkg = t.package === 'bind9-dnsutils' ? 'dnsutils' : t.package;
    assert.ok(apt.has(pkg), `${tool}: ${t.package} is not in scripts/setup.sh APT_PACKAGES`);
  }
});

test('steps and viz use the catalog, not copies', () => {
  assert.is(STEP_TOOL_PACKAGES, TOOL_PACKAGES);
  assert.is(VIZ_LABELS, LABELS);
  assert.is(TOOL_PACKAGES.constructor, undefined);
});

test('labels are the three verdicts in legend order; field names are unique', () => {
  assert.equal([...LABELS], ['good', 'suspicious', 'malicious']);
  assert.ok(isLabel('good') && !isLabel('constructor') && !isLabel(1));
  assert.is(FIELD_NAMES.size, Object.keys(FIELD).length);
});

test.run();
