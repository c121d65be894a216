/** Every user-facing message of netrunbook/classify, in one place (vega-lite style). */
export const MSG = {
  cutOff: (n: number, shown: string, action: string) =>
    `it would stop most requests of ${n} possibly-good source${n === 1 ? '' : 's'} (${shown}): if ${n === 1 ? 'it is a known client' : 'they are known clients'} (an API integration, a partner, monitoring), add ${n === 1 ? 'it' : 'them'} to the skip rule before this ${action}; if not, check ${n === 1 ? 'it is' : 'they are'} not part of the attack the signatures missed`,
  unexpectedEnd: (want: string) => `the expression ends where ${want} was expected; complete it or remove the dangling operator`,
  unexpectedChar: (ch: string, want: string) => `unexpected ${JSON.stringify(ch)}; expected ${want}`,
  uppercaseOperator: (op: string) => `operators are lowercase: write "${op.toLowerCase()}" instead of "${op}"`,
  expectedOperator: (lhs: string, type: string) =>
    `"${lhs}" is ${type}, not Bool, so it needs an operator: e.g. ${lhs} eq "value", ${lhs} in {...}, ${lhs} contains "x"`,
  unknownField: (name: string, suggestion: string | undefined) =>
    `unknown field "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (fields are the columns of the traffic table plus the ones derived from them)`,
  unknownFunction: (name: string, suggestion: string | undefined) => `unknown function "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
  unknownList: (name: string, known: readonly string[]) =>
    `unknown list "$${name}"; pass it in options.lists${known.length ? ` (known: ${known.map((k) => `$${k}`).join(', ')})` : ''}`,
  badEscape: (esc: string) => `invalid escape "${esc}" in a quoted string: only \\" \\\\ \\xHH and \\OOO are allowed; use a raw string r"..." for other backslashes`,
  unterminatedString: () => `unterminated string: add the closing quote`,
  unterminatedRaw: (hashes: number) => `unterminated raw string: close it with "${'#'.repeat(hashes)}`,
  unclosedParen: () => `missing ")"`,
  unclosedSet: () => `missing "}" to close the set`,
  unclosedIndex: () => `missing "]" after the index`,
  badIndex: () => `an index is a non-negative integer, a quoted map key or *`,
  trailing: (text: string) => `unexpected "${text}" after a complete expression; join conditions with and / or`,
  typeMismatch: (op: string, type: string, allowed: string) => `operator "${op}" does not apply to ${type}; it works on ${allowed}`,
  literalType: (text: string, type: string, hint: string) => `"${text}" is not a valid ${type} value${hint ? `: ${hint}` : ''}`,
  logicalOperand: (type: string) => `each side of not/and/or/xor must be Bool, got ${type}; compare it with an operator first`,
  boolNoOperator: (lhs: string) => `"${lhs}" is Bool and stands alone: write ${lhs} or not ${lhs}, without an operator`,
  notIndexable: (type: string) => `${type} cannot be indexed; only arrays (arr[0]) and maps (map["key"]) can`,
  mapEachOutsideQuantifier: () => `arr[*] yields one result per element; wrap the comparison in any(...) or all(...)`,
  quantifierArg: () => `any()/all() take a comparison over arr[*], e.g. any(http.request.headers.names[*] == "x")`,
  arity: (fn: string, expected: string, got: number) => `${fn}() takes ${expected} argument(s), got ${got}`,
  argType: (fn: string, n: number, want: string, got: string) => `argument ${n} of ${fn}() must be ${want}, got ${got}`,
  fieldArg: (fn: string) => `the first argument of ${fn}() must be a field or function, not a literal`,
  badRegex: (why: string) => `invalid regular expression: ${why}`,
  regexFeature: (what: string) => `${what} is not supported by the Rules language regex engine (Rust regex: no look-around, no back-references)`,
  badWildcard: (why: string) => `invalid wildcard pattern: ${why}`,
  rangeOrder: (lo: string, hi: string) => `range ${lo}..${hi} is reversed: write the lower bound first`,
  rangeHere: () => `ranges a..b are only allowed inside a set {...}`,
  cidrInEq: (text: string) => `"${text}" is a network; eq/ne take one address: use ip.src in {${text}}`,
  tooLong: (n: number) => `the expression is ${n} characters; Cloudflare accepts at most 4096`,
  tooDeep: () => `the expression nests deeper than 128 levels`,
  // resource limits (issue 20): each names the option that raises it
  expressionTooLong: (n: number, max: number) => `the expression is ${n} characters, over the limit of ${max}${max === 4096 ? " (Cloudflare's)" : ''}; shorten it or raise limits.expressionLength`,
  nestedTooDeep: (max: number) => `the expression nests deeper than ${max} levels (parentheses, not, function calls); flatten it or raise limits.nesting`,
  regexAt: (why: string) => `invalid regular expression: ${why}`,
  regexWork: (n: number, max: number) =>
    `a regular expression needed more than ${max} steps on one value of ${n} characters; simplify the pattern or raise limits.regexWork`,
  patternFromField: (fn: string) => `the pattern of ${fn}() must be a literal string ("..." or r"..."), not a field: a pattern taken from the traffic would let a request choose the regex`,
  mixedSet: () => `all items of a set must have the same type`,
  // signatures and rules files
  rulesFile: (file: string, why: string) => `${file}: ${why}`,
  signatureInvalid: (id: string, why: string) => `signature "${id}": ${why}`,
  // scoring / backtest
  noRows: () => `the table has no rows`,
} as const;
