/**
 * Free loopback ports and small process helpers shared by the test services.
 *
 *   const port = await freePort();            // free on 127.0.0.1 for both TCP and UDP
 *   const p = spawnService('named', [...]);   // child with stdout/stderr collected
 *   await waitFor(() => p.output().includes('running'), 10000, 'named start');
 *   await stopProcess(p.child);
 */
import cp from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';

const used = new Set<number>();

function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 for TCP and UDP, never handed out twice in this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    if (used.has(port)) continue;
    if ((await tcpFree(port, host)) && (await udpFree(port, host))) {
      used.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

export interface Service {
  child: cp.ChildProcess;
  output(): string;
}

/** Children still running when this process exits are killed (a crashed test leaks nothing). */
const live = new Set<cp.ChildProcess>();
const exitHooks: (() => void)[] = [];
let hooked = false;
export function onExit(fn: () => void): void {
  exitHooks.push(fn);
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
    for (const f of exitHooks) {
      try {
        f();
      } catch {
        /* best effort */
      }
    }
  });
}

export function spawnService(cmd: string, args: string[], opts: cp.SpawnOptions = {}): Service {
  const child = cp.spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  live.add(child);
  child.once('exit', () => live.delete(child));
  onExit(() => undefined);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  child.on('error', (e) => (out += `\nspawn error: ${e.message}`));
  return { child, output: () => out };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string, diag?: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${diag ? `:\n${diag()}` : ''}`);
}

export function stopProcess(child: cp.ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

/** Run a command to completion (setup steps); throws with its output on failure. */
export function sh(cmd: string, args: string[], opts: cp.ExecFileSyncOptions = {}): string {
  try {
    return cp.execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }) as string;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}
