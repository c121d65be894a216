/**
 * The proposed origin firewall rules on a real firewall: a network namespace this test creates
 * (named with "mitigate"), the nftables forms of the proposals applied inside it with counters,
 * a StopDDoS capture replayed into it over a veth pair with tcpreplay (destination MAC rewritten
 * with tcprewrite so every packet reaches the prerouting hook), and the counters read back:
 * packets dropped per rule vs passed, next to the backtest's own count for the same rule.
 * Needs root, iproute2, nftables and tcpreplay (scripts/setup.sh installs them).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corpus } from '../helpers/paths.js';
import { loadTraffic } from '../../src/traffic/index.js';
import { score, analyze } from '../../src/classify/index.js';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const id = `${process.pid % 100000}`;
const NS = `mitigate-nft-${id}`;
const HOST = `vmta${id}`;
const PEER = `vmtb${id}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mitigate-nft-'));

interface Counter {
  comment: string;
  packets: number;
}

function counters(): Counter[] {
  const j = JSON.parse(run('ip', ['netns', 'exec', NS, 'nft', '-j', 'list', 'ruleset'])) as { nftables: { rule?: { comment?: string; expr: Record<string, unknown>[] } }[] };
  const out: Counter[] = [];
  for (const x of j.nftables) {
    if (!x.rule?.comment) continue;
    const c = x.rule.expr.find((e) => 'counter' in e)?.['counter'] as { packets: number } | undefined;
    if (c) out.push({ comment: x.rule.comment, packets: c.packets });
  }
  return out;
}

function setUp(): string {
  run('ip', ['netns', 'add', NS]);
  run('ip', ['link', 'add', HOST, 'type', 'veth', 'peer', 'name', PEER]);
  run('ip', ['link', 'set', PEER, 'netns', NS]);
  run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  run('ip', ['-n', NS, 'link', 'set', PEER, 'up']);
  run('ip', ['link', 'set', HOST, 'up']);
  // loose pickup off: an ACK that belongs to no connection is invalid, as on a hardened origin
  run('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', 'net.netfilter.nf_conntrack_tcp_loose=0']);
  const link = JSON.parse(run('ip', ['-n', NS, '-j', 'link', 'show', PEER])) as { address: string }[];
  return (link[0] as { address: string }).address;
}

function tearDown(): void {
  try {
    run('ip', ['netns', 'del', NS]);
  } catch {
    /* not created */
  }
  try {
    run('ip', ['link', 'del', HOST]);
  } catch {
    /* went with the namespace */
  }
}

const CAPTURES = ['amp.TCP.reflection.SYNACK.pcap', 'pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng', 'amp.UDP.snmp.src161.pcapng', 'amp.UDP.isakmp.pcap', 'amp.UDP.bacnet.IOT.37810.pcapng'];

test('proposed nftables rules, applied in a namespace and fed each capture with tcpreplay, drop what the backtest says and pass the rest', async () => {
  let proven = 0;
  try {
    for (const f of CAPTURES) {
      tearDown();
      const mac = setUp();
      const { table } = await loadTraffic(corpus('stopddos-packet-captures', f), { format: 'pcap' });
      const a = analyze(score(table));
      const rules = a.mitigations.filter((m) => m.nftables);
      assert.ok(rules.length >= 1, `${f}: at least one origin rule`);
      const seen = 'table inet mitigate_seen {\n  chain c {\n    type filter hook prerouting priority -400; policy accept;\n    counter comment "seen"\n  }\n}\n';
      const file = path.join(dir, `${f}.nft`);
      fs.writeFileSync(file, seen + rules.map((m) => m.nftables).join('\n'));
      run('ip', ['netns', 'exec', NS, 'nft', '-f', file]);
      const rewritten = path.join(dir, `${f}.pcap`);
      run('tcprewrite', [`--enet-dmac=${mac}`, '--fixcsum', '--fixlen=pad', '-i', corpus('stopddos-packet-captures', f), '-o', rewritten]);
      run('tcpreplay', ['-q', '-i', HOST, '--topspeed', rewritten]);
      await new Promise((r) => setTimeout(r, 300));
      const c = counters();
      const total = c.find((x) => x.comment === 'seen')?.packets ?? 0;
      assert.ok(total >= table.numRows() * 0.95, `${f}: ${total} of ${table.numRows()} packets reached the hook`);
      let dropped = 0;
      const lines: string[] = [];
      for (const m of rules) {
        const got = c.filter((x) => x.comment === m.json['ref'] || x.comment === `${a.incident}-${m.id}`).reduce((s, x) => s + x.packets, 0);
        const mask = a.rowsMatched(m.id) as Uint8Array;
        let predicted = 0;
        for (let i = 0; i < mask.length; i++) predicted += mask[i] as number;
        dropped += got;
        lines.push(`    ${f} ${m.id} ${m.nftables?.includes('ct state') ? 'stateful' : 'stateless'}: nft dropped ${got}, backtest matched ${predicted}`);
        assert.ok(got > 0, `${f} ${m.id}: the rule drops the attack on a real firewall`);
        // a stateless rule drops what its expression matches; a stateful one at most that (conntrack spares replies)
        if (!m.nftables?.includes('ct state')) assert.ok(Math.abs(got - predicted) <= Math.max(2, predicted * 0.02), `${f} ${m.id}: dropped ${got} vs backtest ${predicted}`);
        else assert.ok(got <= predicted + 2, `${f} ${m.id}: stateful drops ${got} <= stateless count ${predicted}`);
      }
      lines.push(`    ${f}: ${total} packets, ${dropped} dropped, ${total - dropped} passed`);
      console.log(lines.join('\n'));
      assert.ok(dropped <= total);
      proven++;
    }
  } finally {
    tearDown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(proven >= 3);
});

test.run();
