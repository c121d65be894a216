/**
 * A Logpush header or cookie map, `{Name: value | [values]}`, as `{name: [values]}` (names
 * lower-cased for headers); '' means "not present" in Logpush custom fields, and names that
 * differ only in case merge. Null when nothing is left. The JSON.parse path and the byte
 * scanner both make their maps here, so both load the same values.
 */
export function headerMap(v: unknown, lower: boolean): Record<string, string[]> | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string[]> = Object.create(null); // names are attacker data
  let n = 0;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const arr = Array.isArray(x) ? x : [x];
    const vals = arr.filter((e): e is string => typeof e === 'string' && e !== '');
    if (!vals.length) continue;
    const name = lower ? k.toLowerCase() : k;
    const prev = out[name];
    if (prev) out[name] = prev.concat(vals);
    else Object.defineProperty(out, name, { value: vals, enumerable: true, writable: true, configurable: true });
    n++;
  }
  return n ? out : null;
}
