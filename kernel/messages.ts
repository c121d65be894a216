/** User-facing messages of the kernel, in one place. */
export const MSG = {
  interrupted: 'the cell was interrupted; variables defined before the interrupt are kept',
  stdinNotAllowed: 'this front end does not accept input (allow_stdin is false); prompt() and confirm() are unavailable',
  stdinUnreachable: (ms: number) => `the front end asked for input (allow_stdin) but its stdin channel did not connect within ${ms / 1000} s; prompt() and confirm() cannot be answered`,
  aborted: 'not run: an earlier cell failed and stop_on_error was set',
  badSignature: (reason: string) => `runbook kernel: dropped a message on the shell/control/stdin channel: ${reason}`,
  unknownRequest: (type: string) => `runbook kernel: no handler for "${type}"`,
  usage: 'usage: node dist/kernel/main.js CONNECTION_FILE',
  parentGone: (reason: string) => `runbook kernel: exiting, ${reason}`,
  typeErrors: (n: number) => `type check: ${n} problem${n === 1 ? '' : 's'} (the cell ran; fix these to keep the notebook type-correct)`,
  typeErrorsStrict: (n: number) => `type check: ${n} problem${n === 1 ? '' : 's'}; the cell did not run (RUNBOOK_TYPECHECK=strict)`,
  typeWarnings: 'type check: an import without types (the cell ran; the names it imports are typed `any`)',
  notFound: (name: string) => `no information for "${name}"`,
  missingExport: (spec: string, name: string, near: string[]) =>
    `the module "${spec}" does not provide an export named "${name}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''}`,
  localNotFound: (spec: string, dir: string) => `cannot find the local module "${spec}" in ${dir} (tried .ts, .mts, .js, .mjs and index files)`,
} as const;
