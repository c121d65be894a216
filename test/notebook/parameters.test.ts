import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseParameters, parseAssignments, resolveParameters, injectParameters, parseNotebook, ParameterError, typeName } from '../../src/notebook/index.js';

const SRC = [
  '// @param name hostname  the name to resolve',
  'const name: string = "example.com";',
  '// @param type A|AAAA|MX|TXT',
  "const type: string = 'A';",
  '// @param resolvers resolver[]',
  'const resolvers: string[] = ["127.0.0.1:5353", "[::1]:53"];',
  'const retries: number = 2;',
  'const verbose = false;',
  '// @param capture path',
  'const capture: string = "";',
].join('\n');

function err(fn: () => unknown): ParameterError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParameterError) return e;
    throw e;
  }
  throw new Error('expected a ParameterError');
}

test('parseParameters reads declared types, annotations and literal defaults', () => {
  const specs = parseParameters(SRC);
  assert.equal(specs.map((s) => [s.name, typeName(s.type), s.default]), [
    ['name', 'hostname', 'example.com'],
    ['type', 'A|AAAA|MX|TXT', 'A'],
    ['resolvers', 'resolver[]', ['127.0.0.1:5353', '[::1]:53']],
    ['retries', 'number', 2],
    ['verbose', 'boolean', false],
    ['capture', 'path', ''],
  ]);
});

test('parseParameters refuses a default that is code, naming the parameter', () => {
  const e = err(() => parseParameters('const x: string = process.env.HOME;'));
  assert.is(e.parameter, 'x');
});

test('parseAssignments splits lists on commas and converts numbers and booleans', () => {
  const specs = parseParameters(SRC);
  assert.equal(parseAssignments(specs, ['resolvers=127.0.0.1:53,[2001:db8::1]:5353', 'retries=5', 'verbose=yes']), {
    resolvers: ['127.0.0.1:53', '[2001:db8::1]:5353'],
    retries: 5,
    verbose: true,
  });
});

test('resolveParameters rejects a hostname with shell metacharacters, naming it', () => {
  const specs = parseParameters(SRC);
  const e = err(() => resolveParameters(specs, { name: 'example.com;rm -rf /', capture: '/tmp/x.pcap' }));
  assert.is(e.parameter, 'name');
  assert.match(e.message, 'parameter "name": "example.com;rm -rf /" is not a hostname');
});

test('resolveParameters names the bad element of a list', () => {
  const specs = parseParameters(SRC);
  const e = err(() => resolveParameters(specs, { resolvers: ['127.0.0.1:53', '1.2.3.4:99999'], capture: 'x' }));
  assert.match(e.message, 'resolvers[1]');
});

test('resolveParameters requires a parameter whose default is empty', () => {
  const e = err(() => resolveParameters(parseParameters(SRC), {}));
  assert.is(e.parameter, 'capture');
  assert.match(e.message, '-p capture=VALUE');
});

test('resolveParameters rejects unknown names and lists the known ones', () => {
  const e = err(() => resolveParameters(parseParameters(SRC), { nmae: 'x' }));
  assert.match(e.message, 'this runbook takes name, type, resolvers, retries, verbose, capture');
});

test('resolveParameters checks ports, ASNs, CIDRs, URLs and time windows', () => {
  const specs = parseParameters(
    ['// @param p port', 'const p = "443";', '// @param a asn', 'const a = "AS13335";', '// @param c cidr', 'const c = "192.0.2.0/24";', '// @param u url', 'const u = "https://example.com/";', '// @param w time-window', 'const w = "15m";'].join('\n'),
  );
  assert.ok(resolveParameters(specs, {}));
  assert.is(err(() => resolveParameters(specs, { p: '0' })).parameter, 'p');
  assert.is(err(() => resolveParameters(specs, { a: 'ASX' })).parameter, 'a');
  assert.is(err(() => resolveParameters(specs, { c: '192.0.2.0/33' })).parameter, 'c');
  assert.is(err(() => resolveParameters(specs, { u: 'javascript:alert(1)' })).parameter, 'u');
  assert.is(err(() => resolveParameters(specs, { w: 'yesterday' })).parameter, 'w');
  assert.ok(resolveParameters(specs, { w: '2024-01-01T00:00:00Z/2024-01-01T01:00:00Z' }));
});

test('injectParameters inserts an injected-parameters cell right after the parameters cell', () => {
  const nb = parseNotebook(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: 'md', cell_type: 'markdown', metadata: {}, source: '# x' },
        { id: 'p', cell_type: 'code', metadata: { tags: ['parameters'] }, source: SRC, outputs: [], execution_count: null },
        { id: 'n', cell_type: 'code', metadata: {}, source: 'name', outputs: [], execution_count: null },
      ],
    }),
  );
  const out = injectParameters(nb, { name: 'www.example.org', resolvers: ['127.0.0.1:5353'], type: 'A' });
  assert.equal(out.cells.map((c) => c.id).filter((id) => id !== out.cells[2]?.id), ['md', 'p', 'n']);
  const inj = out.cells[2];
  assert.equal(inj?.metadata.tags, ['injected-parameters']);
  assert.is(inj?.source, '// Parameters injected by `runbook run`\nconst name: string = "www.example.org";\nconst resolvers: string[] = ["127.0.0.1:5353"];');
  assert.is(injectParameters(out, { name: 'a.b' }).cells.filter((c) => c.metadata.tags?.includes('injected-parameters')).length, 1);
});

test.run();
