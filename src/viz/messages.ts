/** Every user-facing message of netrunbook/viz, in one place. */
export const MSG = {
  missingColumn: (builder: string, column: string, role: string, available: readonly string[]) =>
    `${builder}: the table has no column "${column}" (${role}); columns are: ${available.length ? available.map((c) => `"${c}"`).join(', ') : '(none)'}. ` +
    `Pass { columns: { ...: 'name' } } if it is called differently.`,
  notATable: (builder: string, got: string) => `${builder}: expected an Arquero table (ColumnTable), got ${got}.`,
  badOption: (builder: string, option: string, value: unknown, expected: string) =>
    `${builder}: option ${option} = ${JSON.stringify(value)} is not valid; expected ${expected}.`,
  badItem: (builder: string, index: number, problem: string) => `${builder}: input item #${index} ${problem}.`,
  notArray: (builder: string, got: string) => `${builder}: expected a list, got ${got}.`,
  unrecognised: (adapter: string, expected: string, keys: readonly string[]) =>
    `${adapter}: could not find ${expected} in the value (its keys: ${keys.length ? keys.join(', ') : 'none'}).`,
  saveExtension: (file: string) => `Chart.save: cannot tell the format of "${file}": use a .svg, .png or .json (Vega-Lite spec) file name.`,
  compileError: (title: string, message: string) => `chart "${title}" failed to compile: ${message}`,
  noData: 'no data',
} as const;
