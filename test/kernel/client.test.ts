import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KernelClient, KernelDiedError, type KernelOutput } from '../../kernel/client.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-client-test-'));
fs.writeFileSync(path.join(tmp, 'local.mjs'), 'export const origin = "203.0.113.9";\n');

const Client = suite<{ kc: KernelClient }>('KernelClient', { kc: undefined as unknown as KernelClient });
Client.before(async (ctx) => {
  ctx.kc = await KernelClient.start({ cwd: tmp });
});
Client.after(async (ctx) => {
  await ctx.kc.shutdown();
});

Client('kernelInfo answers with status, implementation and language', async ({ kc }) => {
  const info = (await kc.kernelInfo()) as { status: string; implementation: string; language_info: { name: string } };
  assert.is(info.status, 'ok');
  assert.is(info.implementation, 'runbook');
  assert.is(info.language_info.name, 'typescript');
});

Client('execute returns merged streams and the execute_result, in order', async ({ kc }) => {
  const r = await kc.execute('console.log("a"); console.log("b"); 40 + 2');
  assert.is(r.status, 'ok');
  assert.is(r.timedOut, false);
  assert.equal(r.outputs, [
    { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
    { output_type: 'execute_result', execution_count: r.executionCount, data: { 'text/plain': '42' }, metadata: {} },
  ]);
  assert.ok(Date.parse(r.finishedAt) >= Date.parse(r.startedAt));
});

Client('execution counts advance by one per stored cell', async ({ kc }) => {
  const a = await kc.execute('1');
  const b = await kc.execute('2');
  assert.is((b.executionCount ?? 0) - (a.executionCount ?? 0), 1);
});

Client('a failing cell resolves with status error and the error output', async ({ kc }) => {
  const r = await kc.execute('throw new RangeError("port 70000 out of range")');
  assert.is(r.status, 'error');
  assert.is(r.error?.ename, 'RangeError');
  assert.is(r.error?.evalue, 'port 70000 out of range');
  assert.is(r.outputs[0]?.output_type, 'error');
});

Client('stored outputs have display updates and clear_output applied; onOutput sees the raw sequence', async ({ kc }) => {
  const seen: KernelOutput['output_type'][] = [];
  const r = await kc.execute('display.text("old"); display.clear(true); const h = display.text("0%", { display_id: true }); h.update("100%")', {
    onOutput: (o) => seen.push(o.output_type),
  });
  assert.equal(seen, ['display_data', 'clear_output', 'display_data', 'update_display_data']);
  assert.equal(r.outputs, [{ output_type: 'display_data', data: { 'text/plain': '100%' }, metadata: {} }]);
});

// Runs a few ms after start(): it used to hang about 1 run in 2, when the stdin socket finished its
// connect after the prompt was sent (see test/kernel/stdin.test.ts for the deterministic case).
Client('onInput answers prompt() over the stdin channel', async ({ kc }) => {
  const prompts: string[] = [];
  const r = await kc.execute('await prompt("zone? ")', {
    onInput: async (p) => {
      prompts.push(p);
      return 'example.com';
    },
  });
  assert.equal(prompts, ['zone? ']);
  assert.is(r.outputs[0]?.output_type === 'execute_result' && r.outputs[0].data['text/plain'], "'example.com'");
});

Client('without onInput a prompt fails instead of hanging', async ({ kc }) => {
  const r = await kc.execute('await prompt("x")');
  assert.is(r.error?.ename, 'StdinNotImplementedError');
});

Client('timeoutMs interrupts a hung await, marks the result and keeps state', async ({ kc }) => {
  const r = await kc.execute('const beforeHang = "kept"; await new Promise(() => {})', { timeoutMs: 300 });
  assert.is(r.timedOut, true);
  assert.is(r.error?.ename, 'KeyboardInterrupt');
  const after = await kc.execute('beforeHang');
  assert.is(after.outputs[0]?.output_type === 'execute_result' && after.outputs[0].data['text/plain'], "'kept'");
});

Client('interrupt stops a synchronous loop', async ({ kc }) => {
  const running = kc.execute('let spins = 0; while (true) spins++;');
  await new Promise((r) => setTimeout(r, 500));
  await kc.interrupt();
  const r = await running;
  assert.is(r.error?.ename, 'KeyboardInterrupt');
});

Client('stopOnError aborts a cell queued behind a failure', async ({ kc }) => {
  const [a, b] = await Promise.all([kc.execute('throw new Error("first")'), kc.execute('"second"')]);
  assert.is(a.status, 'error');
  assert.is(b.status, 'aborted');
  assert.is((await kc.execute('"third"')).status, 'ok');
});

Client('cells import local modules from the kernel working directory', async ({ kc }) => {
  const r = await kc.execute('import { origin } from "./local.mjs"; origin');
  assert.is(r.outputs[0]?.output_type === 'execute_result' && r.outputs[0].data['text/plain'], "'203.0.113.9'");
});

Client('netrunbook and ESM-only packages load from a directory outside the install', async ({ kc }) => {
  const r = await kc.execute('import { escapeHtml } from "netrunbook/display"; import * as aq from "arquero"; escapeHtml("<b>") + aq.table({ a: [1, 2] }).numRows()');
  assert.is(r.status, 'ok', r.error?.evalue);
  assert.is(r.outputs[0]?.output_type === 'execute_result' && r.outputs[0].data['text/plain'], "'&lt;b&gt;2'");
});

Client('display(table) shows an Arquero table as HTML: capped rows, dates as dates, text left-aligned, $ kept from MathJax', async ({ kc }) => {
  const r = await kc.execute('import * as aq from "arquero"; display(aq.table({ at: Array.from({ length: 80 }, (_, i) => new Date(Date.UTC(2026, 0, 1, 0, i))), rule: Array.from({ length: 80 }, () => "ip.src in $bad and uri matches \\"x$\\"") }));');
  assert.is(r.status, 'ok', r.error?.evalue);
  const out = r.outputs[0];
  assert.ok(out?.output_type === 'display_data', JSON.stringify(r.outputs).slice(0, 300));
  if (out?.output_type !== 'display_data') return;
  const html = String(out.data['text/html']);
  assert.match(html, /^<div class="tex2jax_ignore mathjax_ignore"><table class="netrunbook"><caption>80 rows × 2 columns \(first 50\)<\/caption>/);
  assert.is(html.match(/<tr>/g)?.length, 51);
  assert.match(html, /<td style="text-align:left">2026-01-01 00:00:00Z<\/td><td style="text-align:left">ip.src in \$bad and uri matches &quot;x\$&quot;<\/td>/);
  assert.not.match(JSON.stringify(out.data), /\\"\\\"/);
});

Client('display.progress shows one bar and updates it in place', async ({ kc }) => {
  const seen: KernelOutput[] = [];
  const r = await kc.execute('const bar = display.progress("resolvers", 4); for (let i = 1; i <= 4; i++) { await new Promise((ok) => setTimeout(ok, 120)); bar.update(i); } bar.done();', { onOutput: (o) => seen.push(o) });
  assert.is(r.status, 'ok', r.error?.evalue);
  assert.is(seen[0]?.output_type, 'display_data');
  assert.ok(seen.filter((o) => o.output_type === 'update_display_data').length >= 2);
  assert.is(r.outputs.length, 1);
  const final = r.outputs[0];
  assert.ok(final?.output_type === 'display_data' && /resolvers \[#{30}\] 4\/4 \(100%\)/.test(String(final.data['text/plain'])), JSON.stringify(final));
});

Client('an Arquero table as the last value shows as an escaped HTML table and a text table', async ({ kc }) => {
  const r = await kc.execute('import * as aq from "arquero"; aq.table({ ua: ["<script>x</script>", "curl/8"], hits: [3, 4] })');
  const out = r.outputs[0];
  assert.ok(out?.output_type === 'execute_result');
  if (out?.output_type === 'execute_result') {
    assert.match(String(out.data['text/html']), /&lt;script&gt;x&lt;\/script&gt;/);
    assert.not.match(String(out.data['text/html']), /<script>/);
    assert.match(String(out.data['text/plain']), /^2 rows × 2 columns\nua\s+hits/);
  }
});

Client('restart starts a fresh kernel without the old state', async ({ kc }) => {
  await kc.execute('const survivor = 1;');
  const before = kc.pid;
  await kc.restart();
  assert.is.not(kc.pid, before);
  const r = await kc.execute('typeof survivor');
  assert.is(r.executionCount, 1);
  assert.is(r.outputs[0]?.output_type === 'execute_result' && r.outputs[0].data['text/plain'], "'undefined'");
});

Client.run();

const Lifecycle = suite('KernelClient lifecycle');

Lifecycle('a kernel that dies mid-cell rejects the pending execute with its log', async () => {
  const kc = await KernelClient.start({ cwd: tmp });
  try {
    await kc.execute('console.error("bye"); process.exit(3)');
    assert.unreachable('execute should reject');
  } catch (err) {
    assert.instance(err, KernelDiedError);
    assert.match((err as Error).message, /exited/);
  } finally {
    await kc.shutdown();
  }
});

Lifecycle('with RUNBOOK_TYPECHECK=strict a cell with a type error does not run', async () => {
  const kc = await KernelClient.start({ cwd: tmp, env: { ...process.env, RUNBOOK_TYPECHECK: 'strict' } });
  try {
    const bad = await kc.execute('globalThis.ran = true; const port: number = "443";');
    assert.is(bad.status, 'error');
    assert.match(bad.error?.evalue ?? '', /TS2322/);
    const probe = await kc.execute('typeof (globalThis as any).ran');
    assert.is(probe.outputs[0]?.output_type === 'execute_result' && probe.outputs[0].data['text/plain'], "'undefined'");
    assert.is((await kc.execute('const ok: number = 1; ok')).status, 'ok');
  } finally {
    await kc.shutdown();
  }
});

Lifecycle('shutdown (as runbook run does it, type checks off) returns once the kernel replied on control and exited, under 0.5 s', async () => {
  const kc = await KernelClient.start({ cwd: tmp, env: { ...process.env, RUNBOOK_TYPECHECK: 'off' } });
  await kc.execute('1 + 1');
  const t0 = performance.now();
  await kc.shutdown();
  const ms = performance.now() - t0;
  assert.ok(ms < 500, `shutdown took ${ms.toFixed(0)} ms`);
});

Lifecycle('with RUNBOOK_TYPECHECK=background a type error arrives on its cell before the cell is done', async () => {
  const kc = await KernelClient.start({ cwd: tmp, env: { ...process.env, RUNBOOK_TYPECHECK: 'background', RUNBOOK_TYPECHECK_WAIT_MS: '120000' } });
  try {
    const r = await kc.execute('const late: number = "443";\nlate');
    assert.is(r.status, 'ok');
    const stderr = r.outputs.find((o) => o.output_type === 'stream' && o.name === 'stderr');
    assert.ok(stderr && stderr.output_type === 'stream', JSON.stringify(r.outputs));
    assert.match(stderr.text, /^type check: 1 problem/);
    assert.match(stderr.text, /line 1:7 TS2322/);
    // An unresolvable import is reported once, on its cell, and the cell's other declarations
    // still reach later cells.
    const u = await kc.execute('import { nothing } from "no-such-package-kernel-test";\nconst kept: number = 1;', { stopOnError: false });
    const warn = u.outputs.find((o) => o.output_type === 'stream' && o.name === 'stderr');
    assert.ok(warn && warn.output_type === 'stream' && /TS2307/.test(warn.text), JSON.stringify(u.outputs));
    const next = await kc.execute('kept + 1');
    assert.equal(next.outputs.filter((o) => o.output_type === 'stream'), []);
  } finally {
    await kc.shutdown();
  }
});

Lifecycle('kill -9 of the process running a busy kernel leaves no kernel and no connection file', async () => {
  const clientModule = fileURLToPath(new URL('../../kernel/client.js', import.meta.url));
  const script = `import { KernelClient } from ${JSON.stringify(clientModule)};
const kc = await KernelClient.start({ cwd: ${JSON.stringify(tmp)} });
void kc.execute('while (true) {}');
await new Promise((r) => setTimeout(r, 300));
console.log(JSON.stringify({ pid: kc.pid, file: kc.connectionFile }));
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString())));
  const { pid, file } = JSON.parse(line) as { pid: number; file: string };
  assert.ok(fs.existsSync(file));
  child.kill('SIGKILL');
  const t0 = performance.now();
  const alive = () => {
    try {
      process.kill(pid, 0);
      return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  while (alive() && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
  assert.not.ok(alive(), 'the kernel outlived its client');
  assert.ok(performance.now() - t0 < 5000);
  assert.not.ok(fs.existsSync(file), 'connection file left behind');
});

Lifecycle('execute after shutdown rejects', async () => {
  const kc = await KernelClient.start({ cwd: tmp });
  await kc.shutdown();
  try {
    await kc.execute('1');
    assert.unreachable('execute should reject');
  } catch (err) {
    assert.match((err as Error).message, /shut down/);
  }
});

Lifecycle.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
Lifecycle.run();
