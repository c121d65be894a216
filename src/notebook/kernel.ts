/**
 * The runner's kernel: OUR runbook kernel, started and driven over the Jupyter protocol by the
 * typed client in kernel/client.ts (the runner never evaluates cells itself).
 */
import { KernelClient, type KernelOutput } from '../../kernel/client.js';
import type { IopubMessage, KernelFactory, RunnerKernel } from './runner.js';

function toIopub(o: KernelOutput): IopubMessage {
  const { output_type, ...content } = o;
  return { msg_type: output_type, content: content as Record<string, unknown> };
}

/** A factory that starts the runbook kernel in a directory. */
export function kernelFactory(env?: NodeJS.ProcessEnv): KernelFactory {
  return async ({ cwd, orphanTemp }) => {
    // Headless runs execute a finished runbook: type checking is for authoring in a notebook UI
    // (and would add "type check" notes to every postmortem), so it is off unless asked for.
    const base = env ?? process.env;
    // The runner writes metadata.investigation itself: no run record display from the kernel.
    const kc = await KernelClient.start({ cwd, env: { ...base, RUNBOOK_TYPECHECK: base.RUNBOOK_TYPECHECK ?? 'off', RUNBOOK_PROVENANCE: 'off', ...(orphanTemp ? { RUNBOOK_ORPHAN_TEMP: orphanTemp } : {}) } });
    const info = ((await kc.kernelInfo()) ?? {}) as { implementation?: string; implementation_version?: string };
    const kernel: RunnerKernel = {
      info: { name: 'runbook', version: String(info.implementation_version ?? ''), implementation: String(info.implementation ?? '') },
      async execute(code, onOutput) {
        const r = await kc.execute(code, { onOutput: (o) => onOutput(toIopub(o)) });
        return {
          status: r.status,
          execution_count: r.executionCount,
          ...(r.error ? { ename: r.error.ename, evalue: r.error.evalue, traceback: r.error.traceback } : {}),
        };
      },
      interrupt: () => kc.interrupt(),
      shutdown: () => kc.shutdown(),
    };
    return kernel;
  };
}
