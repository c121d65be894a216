/** tunnelMtu: overheads checked on real tunnel captures, the nft clamp applied in a namespace. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { encapsulationsFor, mssAudit, mssClamp, tunnelMtu } from '../../src/routing/index.js';
import { FIELD, loadPcap, TUNNEL_FIELD as TF } from '../../src/traffic/index.js';
import { corpus } from '../helpers/paths.js';
import { execFileSync } from 'node:child_process';

const t = suite('tunnelMtu');

/** outer IP length - inner IP length of every packet with a decoded inner IP packet (ARP inside VXLAN has none). */
async function observedOverheads(file: string): Promise<number[]> {
  const { table } = await loadPcap(corpus('zeek-tunnel-traces', file));
  const out = new Set<number>();
  for (const r of table.objects() as Record<string, unknown>[]) if (r[TF.outerLen] !== null && r[TF.depth] === 1 && r[FIELD.ipLen] !== r[TF.outerLen]) out.add((r[TF.outerLen] as number) - (r[FIELD.ipLen] as number));
  return [...out].sort((a, b) => a - b);
}

t('the overhead equals what the tunnel captures show between outer and inner IP lengths', async () => {
  assert.equal(await observedOverheads('gre-sample.pcap'), [tunnelMtu({ encap: 'gre' }).overhead]);
  assert.equal(await observedOverheads('vxlan.pcap'), [tunnelMtu({ encap: 'vxlan' }).overhead]);
  assert.equal(await observedOverheads('6in4.pcap'), [tunnelMtu({ encap: 'ipip', outer: 4, inner: 6 }).overhead]);
  assert.equal(await observedOverheads('4in6.pcap'), [tunnelMtu({ encap: 'ipip', outer: 6, inner: 4 }).overhead]);
  assert.equal(await observedOverheads('gre-over-udp-4754.pcap'), [tunnelMtu({ encap: 'gre' }).overhead + 8]); // + UDP
});

t('GRE over a 1500-byte path: MSS 1436 for IPv4 (the Magic Transit figure), 1416 for IPv6; key and sequence cost 4 each', () => {
  assert.is(tunnelMtu({ encap: 'gre' }).mss, 1436);
  assert.is(tunnelMtu({ encap: 'gre', inner: 6 }).mss, 1416);
  assert.is(tunnelMtu({ encap: 'gre', outer: 6 }).tunnelMtu, 1456);
  assert.is(tunnelMtu({ encap: 'gre', gre: { key: true, seq: true } }).tunnelMtu, 1468);
});

t('ESP: the largest inner packet fits the path with its padding, one byte more does not', () => {
  for (const cipher of ['aes-gcm-128', 'aes-cbc-hmac-sha256', 'aes-cbc-hmac-sha1'] as const) {
    const block = cipher === 'aes-gcm-128' ? 4 : 16;
    const iv = cipher === 'aes-gcm-128' ? 8 : 16;
    const icv = cipher === 'aes-cbc-hmac-sha1' ? 12 : 16;
    for (const natTraversal of [false, true]) {
      for (const pathMtu of [1280, 1400, 1500, 9000]) {
        const r = tunnelMtu({ encap: 'esp', esp: { cipher, natTraversal }, pathMtu });
        const size = (m: number) => 20 + (natTraversal ? 8 : 0) + 8 + iv + Math.ceil((m + 2) / block) * block + icv;
        assert.ok(size(r.tunnelMtu) <= pathMtu, `${cipher} ${pathMtu}`);
        assert.ok(size(r.tunnelMtu + 1) > pathMtu, `${cipher} ${pathMtu} is the largest`);
      }
    }
  }
});

t('mssClamp: MTU - 40 for IPv4, MTU - 60 for IPv6 (ip6tables), the same rule tunnelMtu gives', () => {
  assert.is(mssClamp(1476).mss, 1436);
  assert.is(mssClamp(1476, { inner: 6 }).mss, 1416);
  assert.match(mssClamp(1476, { inner: 6, iface: 'gre1' }).iptables, /^ip6tables .* -o gre1 .* --set-mss 1416$/);
  const r = tunnelMtu({ encap: 'gre', inner: 6, iface: 'gre1' });
  assert.equal(r.clamp, { nft: mssClamp(r.tunnelMtu, { inner: 6, iface: 'gre1' }).nft, iptables: mssClamp(r.tunnelMtu, { inner: 6, iface: 'gre1' }).iptables });
});

t('encapsulationsFor: the encapsulations that leave exactly a measured MTU, each consistent with tunnelMtu', () => {
  assert.equal(encapsulationsFor(1476).map((e) => e.name), ['GRE']);
  assert.equal(encapsulationsFor(1450).map((e) => e.name), ['VXLAN', 'GENEVE']);
  assert.equal(encapsulationsFor(1480).map((e) => e.name), ['IP-in-IP']);
  assert.equal(encapsulationsFor(1499), []);
  for (const m of [1400, 1420, 1438, 1446, 1456]) for (const e of encapsulationsFor(m)) assert.is(tunnelMtu(e.spec).tunnelMtu, m, `${e.name} at ${m}`);
  assert.equal(encapsulationsFor(1456, 1500, 6).map((e) => e.name), ['GRE']);
});

t('the nft clamp rule loads into nftables (in a namespace of its own) with the computed MSS', () => {
  const ns = `routing-mtu-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) {
    console.log(`  skipped: cannot create a network namespace (${add.stderr.trim()})`);
    return;
  }
  try {
    const r = tunnelMtu({ encap: 'gre', iface: 'gre1' });
    const script = ['add table inet filter', 'add chain inet filter forward { type filter hook forward priority 0; }', r.clamp.nft.replace(/^nft /, '')].join('\n');
    const load = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: script, encoding: 'utf8' });
    assert.is(load.status, 0, load.stderr);
    const list = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'inet', 'filter', 'forward'], { encoding: 'utf8' });
    assert.match(list.stdout, /oifname "gre1" .*tcp option maxseg size set 1436/);
    assert.match(r.clamp.iptables, /-j TCPMSS --set-mss 1436$/);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
});
t('mssAudit: the MSS of every SYN and SYN-ACK in a GRE-in-UDP capture (as tshark reads it) against the tunnel MSS', async () => {
  const file = corpus('zeek-tunnel-traces', 'gre-over-udp-4754.pcap');
  const { table } = await loadPcap(file);
  const tunnel = tunnelMtu({ encap: 'gre' }).mss - 8; // GRE-in-UDP: 8 more bytes of UDP
  const seen = mssAudit(table, tunnel);
  const want = execFileSync('tshark', ['-r', file, '-Y', 'tcp.flags.syn == 1', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.options.mss_val', '-e', 'tcp.flags.ack'], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  assert.equal(seen.map((s) => [String(s.frame), String(s.mss), s.kind === 'SYN-ACK' ? 'True' : 'False']), want.map((w) => [w[0], w[1], w[2] === '1' || w[2] === 'True' ? 'True' : 'False']));
  assert.ok(seen.length >= 2);
  assert.equal(seen.map((s) => s.exceeds), seen.map((s) => s.mss > 1428));
});
t.run();
