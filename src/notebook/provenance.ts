/**
 * Provenance of a run: who ran what where, with which tools. Tool versions are read once per run
 * from the tools themselves (a missing tool is recorded as "not installed", not an error).
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import type { ToolVersions } from './nbformat.js';

const TOOLS: Record<string, { argv: string[]; pick: RegExp }> = {
  dig: { argv: ['dig', '-v'], pick: /DiG\s+(\S+)/ },
  curl: { argv: ['curl', '--version'], pick: /^curl\s+(\S+)/ },
  openssl: { argv: ['openssl', 'version'], pick: /^OpenSSL\s+(\S+)/ },
  git: { argv: ['git', '--version'], pick: /version\s+(\S+)/ },
  traceroute: { argv: ['traceroute', '--version'], pick: /traceroute.*?(\d[\w.]*)/i },
  tracepath: { argv: ['tracepath', '-V'], pick: /(\d[\w.]*)/ },
  tshark: { argv: ['tshark', '--version'], pick: /TShark.*?(\d[\w.]*)/ },
};

function version(argv: string[], pick: RegExp): Promise<string> {
  return new Promise((resolve) => {
    execFile(argv[0] as string, argv.slice(1), { timeout: 5000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      const m = pick.exec(text.trim()) ?? pick.exec(text);
      if (m) resolve(m[1] as string);
      else resolve(err && (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : 'unknown');
    });
  });
}

/** Versions of the diagnostic tools runbooks call, plus node. */
export async function toolVersions(): Promise<ToolVersions> {
  const entries = await Promise.all(Object.entries(TOOLS).map(async ([name, t]) => [name, await version(t.argv, t.pick)] as const));
  return { node: process.version.replace(/^v/, ''), ...Object.fromEntries(entries) };
}

export function runHost(): { host: string; user: string } {
  let user = process.env.USER ?? '';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return { host: os.hostname(), user: user || 'unknown' };
}
