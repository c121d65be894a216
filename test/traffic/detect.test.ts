import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import zlib from 'node:zlib';
import { detectFormat, loadTraffic, TrafficError } from '../../src/traffic/index.js';
import { corpus } from '../helpers/paths.js';

const df = suite('detectFormat');

df('tells each supported format from its first bytes', () => {
  const b = (s: string) => Buffer.from(s);
  assert.is(detectFormat(b('{"RayID":"x","EdgeStartTimestamp":1}\n')), 'logpush');
  assert.is(detectFormat(b('{"Datetime":"2024-05-01T12:00:03Z","Action":"block","RayID":"x"}\n')), 'firewall_events');
  assert.is(detectFormat(b('1.2.3.4 - - [01/May/2024:12:00:03 +0000] "GET / HTTP/1.1" 200 5 "-" "ua"\n')), 'combined');
  assert.is(detectFormat(b('1.2.3.4 - - [01/May/2024:12:00:03 +0000] "GET / HTTP/1.1" 200 5\n')), 'common');
  assert.is(detectFormat(b('{"log":{"version":"1.2","entries":[]}}')), 'har');
  assert.is(detectFormat(b('a,b,c\n1,2,3\n4,5,6\n')), 'csv');
  assert.is(detectFormat(Buffer.from('d4c3b2a1', 'hex')), 'pcap');
  assert.is(detectFormat(Buffer.from('0a0d0d0a', 'hex')), 'pcap');
  assert.is(detectFormat(zlib.gzipSync(b('{"RayID":"x"}\n'))), 'logpush');
});

df('text that is no traffic format is a TrafficError naming the source', () => {
  try {
    detectFormat(Buffer.from('Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster\n'), 'auth.log');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TrafficError);
    assert.match((e as Error).message, /auth\.log/);
  }
});

df.run();

const lt = suite('loadTraffic');

lt('a missing file and an unknown format option are one-line user errors', async () => {
  for (const [src, opts, re] of [
    ['/nonexistent/x.log', {}, /not found: \/nonexistent\/x\.log/],
    [corpus('tcpreplay-test/test.pcap'), { format: 'xml' }, /unknown traffic format 'xml'/],
  ] as const) {
    try {
      await loadTraffic(src, opts as never);
      assert.unreachable();
    } catch (e) {
      assert.instance(e, TrafficError);
      assert.ok((e as TrafficError).userFacing);
      assert.match((e as Error).message, re);
    }
  }
});

lt.run();
