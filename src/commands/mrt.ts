/** `runbook mrt FILE [--json]`: MRT routing dumps as `bgpdump -m` lines (default) or JSON route rows. */
import { parseArgs, UsageError } from './usage.js';
import { bgpdumpStream } from '../routing/bgpdump.js';
import { readMrtSource } from '../routing/source.js';
import { decodeMrt, type MrtReport } from '../routing/mrt.js';

const USAGE = 'usage: runbook mrt FILE [--json]   (FILE: MRT, gzip or bzip2; prints one line per route in bgpdump -m format)';

/**
 * stdout writes: synchronous for files and pipes on Linux (Node's documented behaviour), so a
 * chunk is copied once and the buffer reused; EPIPE (`| head`) ends the output quietly.
 */
function writer(): { write(s: string | Uint8Array): void; done(): Promise<void> } {
  let closed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
    else throw e;
  });
  let full = false;
  process.stdout.on('drain', () => (full = false));
  return {
    write: (s) => {
      if (closed) return;
      if (!process.stdout.write(typeof s === 'string' ? s : Buffer.from(s))) full = true;
    },
    done: () => (full && !closed ? new Promise<void>((r) => process.stdout.once('drain', () => r())) : Promise.resolve()),
  };
}

function reportProblems(file: string, r: MrtReport): void {
  for (const s of r.skipped) process.stderr.write(`runbook mrt: ${file}: record at byte ${s.offset}: ${s.reason}\n`);
  for (const s of r.warnings) process.stderr.write(`runbook mrt: ${file}: record at byte ${s.offset}: ${s.reason} (record loaded)\n`);
  const listed = r.skipped.length + r.warnings.length;
  const total = Object.values(r.reasons).reduce((a, b) => a + b, 0);
  if (total > listed) process.stderr.write(`runbook mrt: ${file}: ${total - listed} more problems not listed: ${JSON.stringify(r.reasons)}\n`);
  if (r.truncated) process.stderr.write(`runbook mrt: ${file}: the file is cut or damaged; the ${r.routes} routes before the damage are loaded\n`);
}

export async function run(argv: string[]): Promise<number> {
  const a = parseArgs(argv, [], ['--json', '--help', '-h']);
  if (a.flags.has('--help') || a.flags.has('-h')) {
    process.stdout.write(`${USAGE}\n  --json   {"report": {...}, "routes": [{timestamp, action, peer, peer_asn, prefix, as_path, origin_as, next_hop, communities, ...}]}\n`);
    return 0;
  }
  const [file, ...extra] = a.positional;
  if (!file || extra.length) throw new UsageError(USAGE);
  const { bytes, problem } = await readMrtSource(file);
  const out = writer();
  let report: MrtReport;
  if (a.flags.has('--json')) {
    const dec = decodeMrt(bytes, { source: file, inputProblem: problem });
    report = dec.report;
    const { routeTable } = await import('../routing/table.js'); // arquero only for --json
    const rows = routeTable(dec.routes).objects();
    out.write(`{"report":${JSON.stringify(report)},"routes":[`);
    for (let i = 0; i < rows.length; i += 1000) out.write(`${i ? ',' : ''}\n${rows.slice(i, i + 1000).map((r) => JSON.stringify(r)).join(',\n')}`);
    out.write('\n]}\n');
  } else {
    report = bgpdumpStream(bytes, (s) => out.write(s), { source: file, inputProblem: problem });
  }
  await out.done();
  reportProblems(file, report);
  return report.records === 0 && (bytes.length > 0 || problem !== null) ? 1 : 0;
}
