/**
 * Kernel entry point: `node dist/kernel/main.js CONNECTION_FILE`.
 *
 * Environment: RUNBOOK_TYPECHECK = background (default: cells run at once, type problems are
 * reported on the cell afterwards) | strict (a cell with type errors does not run, as in tslab)
 * | off. RUNBOOK_TYPECHECK_WAIT_MS: how long a cell waits past its end for its background check
 * (default 0: only a check already finished is shown). RUNBOOK_PROVENANCE=off: no run record
 * display (kernel/provenance.ts; `runbook run` sets it, as it writes metadata.investigation itself).
 */
import fs from 'node:fs';
import { Kernel, type TypeCheckMode } from './kernel.js';
import type { ConnectionInfo } from './transport.js';
import { MSG } from './messages.js';

async function main(argv: string[]): Promise<number> {
  const file = argv[0];
  if (!file) {
    process.stderr.write(`${MSG.usage}\n`);
    return 2;
  }
  const conn = JSON.parse(fs.readFileSync(file, 'utf8')) as ConnectionInfo;
  const mode = (process.env.RUNBOOK_TYPECHECK ?? 'background') as TypeCheckMode;
  const kernel = new Kernel(conn, {
    typeCheck: ['background', 'strict', 'off'].includes(mode) ? mode : 'background',
    ...(Number(process.env.RUNBOOK_TYPECHECK_WAIT_MS) >= 0 && process.env.RUNBOOK_TYPECHECK_WAIT_MS ? { checkWaitMs: Number(process.env.RUNBOOK_TYPECHECK_WAIT_MS) } : {}),
    connectionFile: file,
    provenance: process.env.RUNBOOK_PROVENANCE !== 'off',
    onShutdown: () => process.exit(0),
  });
  await kernel.start();
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    process.stderr.write(`runbook kernel: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
