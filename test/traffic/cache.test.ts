import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadTraffic, DictionaryColumn } from '../../src/traffic/index.js';
import { corpus } from '../helpers/paths.js';
import { rows, tempDir } from './helpers.js';

const lt = suite('loadTraffic with cache');

const NDJSON = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      RayID: `${tag}${i}`,
      EdgeStartTimestamp: 1714564803 + i,
      ClientIP: `198.51.100.${i % 250}`,
      ClientASN: 64500,
      ClientRequestMethod: i % 2 ? 'GET' : 'POST',
      ClientRequestURI: `/p/${i}?q=${i % 3}`,
      ClientRequestReferer: i % 2 ? '' : 'https://x/',
      VerifiedBotCategory: '',
      RequestHeaders: { 'accept-language': i % 2 ? 'en' : '' },
      SecurityActions: i % 5 ? [] : ['block'],
      Mixed: i % 2 ? 1 : 'one',
    }),
  ).join('\n') + '\nnot json\n';

lt('a second load comes from the cache with identical content and report counts', async () => {
  const t = tempDir();
  try {
    const f = t.file('a.ndjson', NDJSON(300, 'r'));
    const dir = path.join(t.dir, 'cache');
    const first = await loadTraffic(f, { cache: dir });
    assert.is(first.report.fromCache, false);
    assert.is(fs.readdirSync(dir).filter((x) => x.endsWith('.arrow')).length, 1);
    const second = await loadTraffic(f, { cache: dir });
    assert.is(second.report.fromCache, true);
    assert.equal(second.table.columnNames(), first.table.columnNames());
    assert.equal(rows(second.table), rows(first.table));
    // repeating strings come back dictionary-encoded (the classifier reads their codes), nulls as -1
    const method = second.table.column('http.request.method');
    assert.ok(method instanceof DictionaryColumn);
    assert.equal([...method.values].sort(), ['GET', 'POST']);
    const referer = second.table.column('http.referer');
    assert.ok(referer instanceof DictionaryColumn);
    assert.is(referer.codes[1], -1);
    assert.is(referer.at(0), 'https://x/');
    assert.is(second.report.rowsSkipped, 1);
    assert.equal(second.report.skipped, first.report.skipped);
  } finally {
    t.done();
  }
});

lt('changing the file invalidates the entry', async () => {
  const t = tempDir();
  try {
    const f = t.file('a.ndjson', NDJSON(10, 'a'));
    const dir = path.join(t.dir, 'cache');
    await loadTraffic(f, { cache: dir });
    fs.writeFileSync(f, NDJSON(12, 'b'));
    const again = await loadTraffic(f, { cache: dir });
    assert.is(again.report.fromCache, false);
    assert.is(again.table.numRows(), 12);
    assert.is(again.table.get('cf.ray_id', 0), 'b0');
  } finally {
    t.done();
  }
});

lt('pcap and access-log tables survive the cache unchanged; a corrupt entry is a miss', async () => {
  const t = tempDir();
  try {
    const dir = path.join(t.dir, 'cache');
    for (const f of ['foxio-ja4/tls-handshake.pcapng', 'honeynet-redhat-apache-logs/access_log.5']) {
      const a = await loadTraffic(corpus(f), { cache: dir });
      const b = await loadTraffic(corpus(f), { cache: dir });
      assert.ok(b.report.fromCache, f);
      assert.equal(rows(b.table), rows(a.table), f);
    }
    for (const x of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, x), 'garbage');
    const c = await loadTraffic(corpus('honeynet-redhat-apache-logs/access_log.5'), { cache: dir });
    assert.is(c.report.fromCache, false);
    assert.is(c.report.rowsLoaded, 251);
  } finally {
    t.done();
  }
});

lt.run();
