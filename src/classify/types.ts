/** Value types of the Rules language (engine names): Bytes, Int, Bool, Ip, Array<T>, Map<T>. */
export type RuleType =
  | { kind: 'Bytes' }
  | { kind: 'Int' }
  | { kind: 'Bool' }
  | { kind: 'Ip' }
  | { kind: 'Array'; of: RuleType }
  | { kind: 'Map'; of: RuleType };

export const T = {
  Bytes: { kind: 'Bytes' } as RuleType,
  Int: { kind: 'Int' } as RuleType,
  Bool: { kind: 'Bool' } as RuleType,
  Ip: { kind: 'Ip' } as RuleType,
  Array: (of: RuleType): RuleType => ({ kind: 'Array', of }),
  Map: (of: RuleType): RuleType => ({ kind: 'Map', of }),
};

export function typeName(t: RuleType): string {
  return t.kind === 'Array' || t.kind === 'Map' ? `${t.kind}<${typeName(t.of)}>` : t.kind;
}

export function sameType(a: RuleType, b: RuleType): boolean {
  return typeName(a) === typeName(b);
}
