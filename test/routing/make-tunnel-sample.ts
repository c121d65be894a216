/**
 * Makes runbooks/samples/tunnel-health-sample.pcapng, the tunnel-health runbook's bundled capture,
 * from the VXLAN namespace lab (real kernel packets recorded with dumpcap, nothing hand-written):
 *
 * - request-style health checks every 200 ms for 24 s from the Cloudflare side (10.100.0.8) to the
 *   origin's tunnel address (10.100.0.9), through the tunnel and back;
 * - two outages at the origin (nft drops the probes: 2 s at ~5 s, 1.5 s at ~13 s): the tunnel
 *   flaps, down twice;
 * - a TCP connection through the tunnel whose SYN and SYN-ACK advertise MSS 1460 because both
 *   tunnel interfaces were left at MTU 1500, while VXLAN over a 1500-byte path carries 1450
 *   (MSS 1410): what makes "small pages load, downloads hang".
 *
 *   node dist/test/routing/make-tunnel-sample.js [OUT]   (root; default: runbooks/samples/tunnel-health-sample.pcapng)
 */
import cp from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { exited, LAB, sleep, startTunnelLab } from './tunnel-lab.js';

const out = process.argv[2] ?? path.join(ROOT, 'runbooks/samples/tunnel-health-sample.pcapng');
const lab = startTunnelLab({ tunnelMtu: 1500 });
try {
  const server = cp.spawn('ip', ['netns', 'exec', lab.org, process.execPath, '-e', `require('net').createServer(s=>{s.end('HTTP/1.1 200 OK\\r\\ncontent-length: 2\\r\\n\\r\\nok')}).listen(8080,'${LAB.org}')`], { stdio: 'ignore' });
  await sleep(500);
  const cap = await lab.capture('sample.pcapng');
  const ping = lab.ping('request', 120, 0.2);
  await sleep(2500);
  lab.exec(lab.cf, [process.execPath, '-e', `const s=require('net').connect(8080,'${LAB.org}',()=>s.write('GET / HTTP/1.1\\r\\nhost: origin\\r\\n\\r\\n'));s.on('data',()=>{});s.on('end',()=>s.end())`]);
  await sleep(2500);
  lab.originRules('icmp type echo-request drop');
  await sleep(2000);
  lab.originRules(null);
  await sleep(6000);
  lab.originRules('icmp type echo-request drop');
  await sleep(1500);
  lab.originRules(null);
  await exited(ping);
  const file = await cap.stop();
  server.kill('SIGKILL');
  const tmp = `${out}.${process.pid}.tmp`;
  fs.copyFileSync(file, tmp);
  fs.renameSync(tmp, out);
  console.log(`wrote ${out} (${fs.statSync(out).size} bytes)`);
} finally {
  lab.stop();
}
