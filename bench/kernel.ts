/**
 * Kernel benchmark: the runbook kernel against tslab, both driven through Debian's
 * jupyter_client (a Python driver started from here), in the same run.
 *
 * Measured per kernel:
 * - start-to-ready: KernelManager.start_kernel() until kernel_info is answered (median of runs),
 * - first `import * as aq from 'arquero'` cell right after ready (median of the same runs),
 * - median of distinct trivial cells (`i + 1`) after both kernels settled (8 s, so our
 *   background warm-up is over) and 20 warm-up cells, and of kernel_info round
 *   trips (the transport and client floor under the same load),
 * - median of trivial cells again after 60 further cells that each declare a const and a
 *   function (history growth),
 * and printed as ours / tslab ratios plus the targets (start <= 1/3 of tslab, trivial <= 5 ms,
 * growth <= 1.2x, first arquero import < 0.5 s).
 *
 * The two kernels are measured in alternation (start by start, cell by cell) so load from other
 * processes falls on both alike. Our kernel type-checks in a background thread (RUNBOOK_TYPECHECK=background, the default);
 * tslab checks before running. Run: `node dist/bench/kernel.js [--runs N] [--json]`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const DRIVER = String.raw`
import json, statistics, sys, time
from jupyter_client.manager import KernelManager

def wait_idle(kc, msg_id):
    while True:
        m = kc.get_iopub_msg(timeout=120)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return

def run(kc, code):
    t = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        r = kc.get_shell_msg(timeout=120)
        if r["parent_header"].get("msg_id") == msg_id:
            break
    wait_idle(kc, msg_id)
    return (time.perf_counter() - t) * 1000.0, r["content"]["status"], r["content"].get("evalue")

def start(name):
    t = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc, (time.perf_counter() - t) * 1000.0

def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)

def kernel_info_ms(kc):
    t = time.perf_counter()
    msg_id = kc.kernel_info()
    while kc.get_shell_msg(timeout=120)["parent_header"].get("msg_id") != msg_id:
        pass
    wait_idle(kc, msg_id)
    return (time.perf_counter() - t) * 1000.0

def measure(names, runs, trivial, growth, settle=8.0):
    # Kernels are measured in alternation (run by run, cell by cell) so that load from other
    # processes falls on both alike.
    r = {n: {"starts_ms": [], "imports_ms": [], "import_status": [], "first": [], "info": [], "after": []} for n in names}
    for _ in range(runs):
        for n in names:
            km, kc, ready = start(n)
            ms, status, evalue = run(kc, "import * as aq from 'arquero'; aq.table({ a: [1, 2, 3] }).numRows()")
            r[n]["starts_ms"].append(ready); r[n]["imports_ms"].append(ms)
            r[n]["import_status"].append(status if status == "ok" else f"{status}: {evalue}")
            stop(km, kc)
    live = {n: start(n)[:2] for n in names}
    # Steady state: let background warm-up (our analyzer thread and compiler load) finish
    # before the per-cell latencies are taken; start-up cost is measured above.
    time.sleep(settle)
    for n in names:
        for i in range(20):
            run(live[n][1], f"{i} * 2")
    for i in range(trivial):
        for n in names:
            r[n]["first"].append(run(live[n][1], f"{i} + 1")[0])
    for i in range(trivial):
        for n in names:
            r[n]["info"].append(kernel_info_ms(live[n][1]))
    for i in range(growth):
        for n in names:
            ms, status, evalue = run(live[n][1], f"const v{i}: number = {i}; function f{i}(x: number): number {{ return x + v{i}; }}")
            if status != "ok":
                raise SystemExit(f"{n}: growth cell {i} failed: {evalue}")
    for i in range(trivial):
        for n in names:
            r[n]["after"].append(run(live[n][1], f"{i} + 1000")[0])
    for n in names:
        stop(*live[n])
    med = statistics.median
    return {n: {
        "start_ms": med(v["starts_ms"]), "starts_ms": v["starts_ms"],
        "first_import_ms": med(v["imports_ms"]), "imports_ms": v["imports_ms"], "import_status": v["import_status"],
        "trivial_ms": med(v["first"]), "kernel_info_ms": med(v["info"]), "trivial_after_growth_ms": med(v["after"]),
    } for n, v in r.items()}

runs, trivial, growth = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out = measure(sys.argv[4:], runs, trivial, growth)
print(json.dumps(out))
`;

interface Figures {
  start_ms: number;
  starts_ms: number[];
  first_import_ms: number;
  imports_ms: number[];
  import_status: string[];
  trivial_ms: number;
  kernel_info_ms: number;
  trivial_after_growth_ms: number;
}

function installSpecs(prefix: string): void {
  execFileSync(process.execPath, [path.join(ROOT, 'bin/runbook.js'), 'kernel', 'install', '--prefix', prefix], { stdio: 'ignore' });
  const dir = path.join(prefix, 'share/jupyter/kernels/tslab-bench');
  fs.mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [process.execPath, path.join(ROOT, 'node_modules/tslab/bin/tslab'), 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (tslab, bench)',
    language: 'typescript',
  };
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec));
}

const f1 = (n: number) => n.toFixed(1);

async function main(argv: string[]): Promise<number> {
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-'));
  try {
    installSpecs(prefix);
    const driver = path.join(prefix, 'driver.py');
    fs.writeFileSync(driver, DRIVER);
    const raw = execFileSync('/usr/bin/python3', [driver, String(runs), '30', '60', 'runbook', 'tslab-bench'], {
      cwd: ROOT,
      env: { ...process.env, JUPYTER_PATH: path.join(prefix, 'share/jupyter'), PYDEVD_DISABLE_FILE_VALIDATION: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 << 20,
    });
    const res = JSON.parse(raw.trim().split('\n').pop() as string) as Record<'runbook' | 'tslab-bench', Figures>;
    const ours = res.runbook;
    const peer = res['tslab-bench'];
    if (argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
      return 0;
    }
    const growth = (f: Figures) => f.trivial_after_growth_ms / f.trivial_ms;
    const rows: [string, string, string, string, string][] = [
      ['start-to-ready (ms)', f1(ours.start_ms), f1(peer.start_ms), (ours.start_ms / peer.start_ms).toFixed(2), `<= 0.33 of tslab: ${ours.start_ms <= peer.start_ms / 3 ? 'met' : 'MISSED'}`],
      ['trivial cell median (ms)', f1(ours.trivial_ms), f1(peer.trivial_ms), (ours.trivial_ms / peer.trivial_ms).toFixed(2), `<= 5 ms: ${ours.trivial_ms <= 5 ? 'met' : 'MISSED'}`],
      ['kernel_info round trip (ms)', f1(ours.kernel_info_ms), f1(peer.kernel_info_ms), (ours.kernel_info_ms / peer.kernel_info_ms).toFixed(2), 'transport floor, for context'],
      ['trivial after 60 cells (ms)', f1(ours.trivial_after_growth_ms), f1(peer.trivial_after_growth_ms), (ours.trivial_after_growth_ms / peer.trivial_after_growth_ms).toFixed(2), ''],
      ['growth (after / first)', growth(ours).toFixed(2), growth(peer).toFixed(2), (growth(ours) / growth(peer)).toFixed(2), `<= 1.2x: ${growth(ours) <= 1.2 ? 'met' : 'MISSED'}`],
      ['first arquero import (ms)', f1(ours.first_import_ms), f1(peer.first_import_ms), (ours.first_import_ms / peer.first_import_ms).toFixed(2), `< 500 ms: ${ours.first_import_ms < 500 ? 'met' : 'MISSED'}`],
    ];
    const head: [string, string, string, string, string] = ['measure', 'runbook', 'tslab', 'ratio', 'target'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
    const line = (r: readonly string[]) => r.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    process.stdout.write(`kernel benchmark (${runs} start runs, 30 trivial cells, 60 growth cells, cpus=${os.cpus().length}, load=${os.loadavg()[0]?.toFixed(2)})\n`);
    process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
    process.stdout.write(`arquero import status: runbook ${ours.import_status.join(', ')}; tslab ${peer.import_status.join(', ')}\n`);
    return 0;
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`bench/kernel: ${err.message}\n`);
    process.exit(1);
  },
);
