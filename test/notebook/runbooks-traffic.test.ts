/** l7-ddos-triage and l34-ddos-pcap end to end: our runner and nbconvert, on the bundled sample and a real capture. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corpus, ROOT } from '../helpers/paths.js';
import path from 'node:path';
import { cleanup, errorsOf, markdownOutputs, runNbconvert, runOurs, svgCount, validateWithNbformat } from './harness.js';
import { mitigations } from '../../src/notebook/index.js';

const SYNFLOOD = corpus('stopddos-packet-captures/pkt.TCP.synflood.spoofed.pcap');

test('l7-ddos-triage runs on the bundled sample through our runner, with charts and backtested mitigations', async () => {
  const nb = await runOurs('l7-ddos-triage', {});
  validateWithNbformat(nb);
  assert.equal(errorsOf(nb), []);
  assert.ok(svgCount(nb) >= 6, `charts: ${svgCount(nb)}`);
  assert.match(markdownOutputs(nb), /of \d+ requests are malicious/);
  const m = mitigations(nb);
  assert.ok(m.length > 0 && m.every((x) => typeof x.backtest?.attack === 'number'));
  assert.is(nb.metadata.investigation?.parameters.traffic, 'samples/l7-ddos-sample.ndjson.gz');
});

test('l7-ddos-triage runs through jupyter nbconvert on the runbook kernel', async () => {
  const nb = await runNbconvert('l7-ddos-triage', { traffic: path.join(ROOT, 'runbooks/samples/l7-ddos-sample.ndjson.gz') });
  validateWithNbformat(nb);
  assert.equal(errorsOf(nb), []);
  assert.ok(svgCount(nb) >= 6);
});

test('l34-ddos-pcap finds the SYN flood in a real capture through our runner and nbconvert', async () => {
  const ours = await runOurs('l34-ddos-pcap', { capture: SYNFLOOD });
  validateWithNbformat(ours);
  assert.match(markdownOutputs(ours), 'SYN flood');
  // a spoofed SYN flood to the service port has no safe network rule (blocking tcp/25565 or every
  // SYN is the outage): the analysis refuses those and recommends Advanced TCP Protection
  assert.not.ok(mitigations(ours).some((m) => /^tcp\.dstport eq 25565$/.test(m.expression)));
  assert.match(JSON.stringify(ours), 'advanced_tcp_protection');
  const nbc = await runNbconvert('l34-ddos-pcap', { capture: SYNFLOOD });
  validateWithNbformat(nbc);
  assert.equal(errorsOf(nbc), []);
  assert.match(markdownOutputs(nbc), 'SYN flood');
});

test.after(cleanup);
test.run();
