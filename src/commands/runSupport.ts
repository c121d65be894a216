/** Shared by `run` and `rerun`: progress on stderr, Ctrl-C handling, exit codes. */
import { progressPrinter, runNotebook, type RunOptions } from '../notebook/index.js';
import { kernelFactory } from '../notebook/kernel.js';

/** 0 ok, 1 a cell failed, 130 interrupted. */
export async function executeWithProgress(opts: Omit<RunOptions, 'kernel' | 'progress' | 'signal'>): Promise<number> {
  const ac = new AbortController();
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses === 1) {
      process.stderr.write('\ninterrupting the running cell (Ctrl-C again to quit without waiting) ...\n');
      ac.abort();
    } else {
      process.stderr.write('quitting; the notebook saved after the last completed cell stays on disk\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const r = await runNotebook({ ...opts, kernel: kernelFactory(), progress: progressPrinter(), signal: ac.signal });
    process.stderr.write(`saved ${r.out}\n`);
    if (r.status === 'ok') return 0;
    if (r.failedCell) process.stderr.write(`cell ${r.failedCell.index + 1} (id ${r.failedCell.id}) ${r.failedCell.status}; its output is in the saved notebook\n`);
    return r.status === 'interrupted' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    // A kernel that failed half-way can leave sockets or children behind; the run is over and
    // saved, so the command must not hang on them (the exit code is set by then).
    setTimeout(() => process.exit(), 3000).unref();
  }
}
