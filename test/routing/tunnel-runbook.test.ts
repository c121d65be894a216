/**
 * The tunnel-health runbook end to end through our runner: on its bundled sample (a VXLAN tunnel
 * with two outages and tunnel interfaces left at MTU 1500), and on a capture made now in the
 * namespace lab where the origin drops every reply-style probe.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { loadPcap } from '../../src/traffic/index.js';
import { mssAudit, tunnelHealth, tunnelMtu } from '../../src/routing/index.js';
import { cleanup, errorsOf, markdownOutputs, runOurs } from '../notebook/harness.js';
import { ROOT } from '../helpers/paths.js';
import { canMakeNamespaces, exited, sleep, startTunnelLab } from './tunnel-lab.js';

test.after(() => cleanup());

test('on the bundled sample: the verdict counts the down events and flaps, and names the MSS that does not fit with the clamp', async () => {
  const sample = path.join(ROOT, 'runbooks/samples/tunnel-health-sample.pcapng');
  const { table } = await loadPcap(sample);
  const h = tunnelHealth(table);
  const mss = tunnelMtu({ encap: 'vxlan' }).mss;
  const over = mssAudit(table, mss).filter((s) => s.exceeds);
  assert.ok(h.downEvents >= 1 && over.length >= 1, 'the sample shows both problems');
  const nb = await runOurs('tunnel-health', {});
  assert.equal(errorsOf(nb), []);
  const md = markdownOutputs(nb);
  assert.match(md, `**The tunnel flapped**: down ${h.downEvents} time(s)`);
  assert.match(md, `${h.flaps} state changes in all`);
  assert.match(md, `**${h.lost} lost (${h.lossPct}%)**`);
  assert.match(md, `tunnel MTU **1450**, TCP MSS **${mss}**`);
  assert.match(md, `**${over.length} of ${mssAudit(table, mss).length} SYN/SYN-ACK advertise an MSS above the tunnel's ${mss}**`);
  assert.match(md, `tcp option maxseg size set ${mss}`);
  assert.match(md, `--set-mss ${mss}`);
});

test('reply-style probes all dropped at the origin: every probe failed, and the advice is to allow them or switch to request style', async () => {
  const why = canMakeNamespaces();
  if (why) return console.log(`  skipped: ${why}`);
  const lab = startTunnelLab();
  try {
    const cap = await lab.capture('reply-dropped.pcapng');
    lab.originRules('icmp type echo-reply drop');
    const ping = lab.ping('reply', 12, 0.1);
    await exited(ping);
    await sleep(200);
    const file = await cap.stop();
    const local = path.join(lab.dir, 'copy.pcapng');
    fs.copyFileSync(file, local);
    const nb = await runOurs('tunnel-health', { capture: local, style: 'reply', interfaceMtu: 1500 });
    assert.equal(errorsOf(nb), []);
    const md = markdownOutputs(nb);
    assert.match(md, '**Every probe failed** (12 of 12)');
    assert.match(md, 'switch the tunnel\'s health check type to request');
    assert.match(md, 'The tunnel interface MTU is 1500, above the 1450 the vxlan encapsulation leaves');
  } finally {
    lab.stop();
  }
});

test.run();
