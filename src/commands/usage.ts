/** A mistake on the command line: printed as one line, exit code 2, no stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  positional: string[];
  /** Repeated options collect into arrays. */
  options: Record<string, string[]>;
  flags: Set<string>;
}

/**
 * A small argv parser: `--name value`, `--name=value`, `-x value` for options listed in
 * `withValue`; anything else starting with `-` is a flag.
 */
export function parseArgs(argv: readonly string[], withValue: readonly string[], flags: readonly string[] = []): ParsedArgs {
  const out: ParsedArgs = { positional: [], options: {}, flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (withValue.includes(name)) {
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`option ${name} needs a value`);
        (out.options[name] ??= []).push(value);
      } else if (flags.includes(name)) {
        out.flags.add(name);
      } else {
        throw new UsageError(`unknown option ${name}`);
      }
    } else {
      out.positional.push(arg);
    }
  }
  return out;
}

/** `--help` or `-h` anywhere before a `--`: the command prints its usage and exits 0. */
export function helpRequested(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}
