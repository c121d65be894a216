/**
 * User signatures from a file (`--rules FILE`) or a cell: JSON (an array of signatures, or
 * `{ signatures, allow, knownGood, lists }`), or a line format where each non-comment line is
 * `id weight expression` (e.g. `block-old-api 50 starts_with(http.request.uri.path, "/v1/")`).
 * Every expression is syntax-checked here so a typo fails with file, line and column.
 */
import fs from 'node:fs';
import type { Signature } from './types.js';
import { ClassifyError, RuleError } from '../errors.js';
import { parse } from '../parse.js';
import { MSG } from '../messages.js';

export interface RulesFile {
  signatures: Signature[];
  allow?: string[];
  knownGood?: string;
  lists?: Record<string, (string | number)[]>;
}

function validate(sig: Record<string, unknown>, where: string): Signature {
  const id = sig['id'];
  if (typeof id !== 'string' || !id) throw new ClassifyError(MSG.rulesFile(where, 'every signature needs a string "id"'));
  const weight = sig['weight'];
  if (typeof weight !== 'number' || !Number.isFinite(weight)) throw new ClassifyError(MSG.rulesFile(where, MSG.signatureInvalid(id, '"weight" must be a number')));
  const kind = (sig['kind'] as string | undefined) ?? (sig['key'] ? 'aggregate' : 'expression');
  for (const k of ['expression', 'where'] as const) {
    const e = sig[k];
    if (e === undefined) continue;
    if (typeof e !== 'string') throw new ClassifyError(MSG.rulesFile(where, MSG.signatureInvalid(id, `"${k}" must be a string`)));
    try {
      parse(e);
    } catch (err) {
      if (err instanceof RuleError) throw new ClassifyError(MSG.rulesFile(where, MSG.signatureInvalid(id, err.message)));
      throw err;
    }
  }
  if (kind === 'expression' && typeof sig['expression'] !== 'string' && sig['enabled'] !== false) throw new ClassifyError(MSG.rulesFile(where, MSG.signatureInvalid(id, 'needs an "expression"')));
  return { title: id, layer: 'l7', ...sig, kind } as Signature;
}

export function parseRules(text: string, source = 'rules'): RulesFile {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (e) {
      throw new ClassifyError(MSG.rulesFile(source, `invalid JSON: ${(e as Error).message}`));
    }
    const obj = (Array.isArray(data) ? { signatures: data } : data) as Record<string, unknown>;
    const sigs = (obj['signatures'] ?? []) as unknown[];
    if (!Array.isArray(sigs)) throw new ClassifyError(MSG.rulesFile(source, '"signatures" must be an array'));
    return {
      signatures: sigs.map((s, i) => validate(s as Record<string, unknown>, `${source}: signatures[${i}]`)),
      allow: obj['allow'] as string[] | undefined,
      knownGood: obj['knownGood'] as string | undefined,
      lists: obj['lists'] as Record<string, (string | number)[]> | undefined,
    };
  }
  const signatures: Signature[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(\S+)\s+(-?\d+(?:\.\d+)?)\s+(.+)$/.exec(line);
    if (!m) throw new ClassifyError(MSG.rulesFile(`${source}:${i + 1}`, 'expected "id weight expression"'));
    signatures.push(validate({ id: m[1], weight: Number(m[2]), expression: m[3] }, `${source}:${i + 1}`));
  });
  return { signatures };
}

export function loadRules(file: string): RulesFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ClassifyError(MSG.rulesFile(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message));
  }
  return parseRules(text, file);
}
