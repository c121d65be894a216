/**
 * Valley-free checks and route leaks: on RIPE RIS updates from the corpus (real AS paths) with
 * relationship files constructed around the busiest AS triple, on the shipped example, and on
 * malformed as-rel lines.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadMrt, parseAsRel, routeLeaks, valleyFree } from '../../src/routing/index.js';
import { corpus, ROOT } from '../helpers/paths.js';

const v = suite('valleyFree');

v('up, across once, then down is valley-free; prepending does not count as a link', () => {
  const rels = parseAsRel('# provider|customer|-1, peers|0\n100|10|-1\n200|20|-1\n100|200|0\n');
  // seen at AS20 (vantage first): 20 <- 200 <- 100 <- 10 (origin), 10 prepended
  const c = valleyFree([20, 200, 100, 10, 10, 10], rels);
  assert.equal(c.path, [20, 200, 100, 10]);
  assert.equal(c.links.map((l) => l.dir), ['up', 'across', 'down']);
  assert.is(c.valleyFree, true);
  assert.equal(c.leaks, []);
});

v('each RFC 7908 leak shape names the AS that turned the route back up or across', () => {
  const rels = parseAsRel('1|2|-1\n3|2|-1\n2|4|0\n5|6|0\n6|7|0\n8|9|-1\n9|10|0\n');
  assert.equal(valleyFree([3, 2, 1], rels).leaks, [{ leaker: 2, receivedFrom: 1, sentTo: 3, kind: 'provider-to-provider' }]);
  assert.equal(valleyFree([4, 2, 1], rels).leaks, [{ leaker: 2, receivedFrom: 1, sentTo: 4, kind: 'provider-to-peer' }]);
  assert.equal(valleyFree([3, 2, 4], rels).leaks, [{ leaker: 2, receivedFrom: 4, sentTo: 3, kind: 'peer-to-provider' }]);
  assert.equal(valleyFree([7, 6, 5], rels).leaks, [{ leaker: 6, receivedFrom: 5, sentTo: 7, kind: 'peer-to-peer' }]);
  const unknown = valleyFree([99, 3, 2], rels);
  assert.is(unknown.valleyFree, null);
  assert.is(unknown.unknownLinks, 1);
});

v('malformed as-rel lines are reported with their line numbers, the rest load', () => {
  const rels = parseAsRel('1|2|-1\n1|x|0\n7|7|0\n3|4|2\n5\n6|8|0|bgp\n');
  assert.is(rels.size, 2);
  assert.equal(rels.issues.map((i) => [i.line, i.reason]), [
    [2, "malformed ASN 'x'"],
    [3, 'AS7 related to itself'],
    [4, "relationship '2' (expected -1 for provider|customer or 0 for peers)"],
    [5, 'expected a|b|-1 or a|b|0'],
  ]);
  assert.is(rels.get(8, 6), 'p2p');
  assert.is(rels.get(2, 1), 'c2p');
});

v('the shipped example describes the FRR lab: its paths are valley-free', () => {
  const rels = parseAsRel(fs.readFileSync(path.join(ROOT, 'runbooks/samples/as-rel-lab.txt'), 'utf8'));
  assert.equal(rels.issues, []);
  assert.is(valleyFree([64510, 64500], rels).valleyFree, true);
  assert.is(valleyFree([64520, 64510, 64666], rels).valleyFree, true);
});

const r = suite('routeLeaks on RIPE RIS updates');

r('relationships built around the busiest AS triple: valley-free one way, a leak by the middle AS the other, on exactly the routes through it', async () => {
  const { table } = await loadMrt(corpus('ripe-bgpdump-mrt', 'test_data', 'updates.20100722.2015.gz'));
  const dedup = (p: number[]) => p.filter((a, i) => p[i - 1] !== a);
  const paths = (table.array('as_path') as (number[] | null)[]).map((p, i) => ({ p, a: (table.array('action') as string[])[i] }));
  const count = new Map<string, number>();
  for (const { p, a } of paths) if (p && a === 'announce') {
    const d = dedup(p);
    for (let i = 0; i + 2 < d.length; i++) count.set(d.slice(i, i + 3).join('|'), (count.get(d.slice(i, i + 3).join('|')) ?? 0) + 1);
  }
  const [busiest, routes] = [...count].sort((x, y) => y[1] - x[1])[0]!;
  const [a, b, c] = busiest.split('|').map(Number) as [number, number, number]; // a <- b <- c (c nearer the origin)
  assert.ok(routes > 50, `${busiest} carries ${routes} routes`);
  const through = paths.filter(({ p, a: act }) => p && act === 'announce' && dedup(p).join('|').match(new RegExp(`(^|\\|)${busiest.replace(/\|/g, '\\|')}(\\||$)`))).length;

  // b is c's provider and a's provider: c -> b up, b -> a down: no leak
  const good = routeLeaks(table, parseAsRel(`${b}|${c}|-1\n${b}|${a}|-1\n`));
  assert.is(good.leaks.length, 0);
  assert.ok(good.checked >= through);
  // b is the customer of both: it passes a route from one provider to the other
  const leak = routeLeaks(table, parseAsRel(`${c}|${b}|-1\n${a}|${b}|-1\n`));
  assert.is(leak.leaks.length, through);
  assert.equal(leak.leakers.map((l) => [l.leaker, l.routes, l.kinds]), [[b, through, ['provider-to-provider']]]);
  assert.ok(leak.leaks.every((l) => l.receivedFrom === c && l.sentTo === a));
  // peers on both sides: a peer-to-peer leak
  const lateral = routeLeaks(table, parseAsRel(`${c}|${b}|0\n${a}|${b}|0\n`));
  assert.equal(lateral.leakers.map((l) => [l.leaker, l.kinds]), [[b, ['peer-to-peer']]]);
  assert.is(lateral.checked, leak.checked);
});

v.run();
r.run();
