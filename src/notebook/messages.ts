/** User-facing messages of netrunbook/notebook, in one place. */
export const M = {
  unknownType: (name: string, token: string, known: readonly string[]) =>
    `parameter "${name}": unknown type "${token}" in its @param comment; use one of ${known.join(', ')}, an enum like A|AAAA, "T[]" for a list, "T?" for optional`,
  badDefault: (name: string, what: string, src: string) =>
    `parameter "${name}": the default ${JSON.stringify(src)} is not a literal: ${what}`,
  paramWithoutDecl: (name: string) => `parameter "${name}": an @param comment without a "const ${name} = ..." declaration in the parameters cell`,
  paramRequired: (name: string, type: string) => `parameter "${name}" is required (${type}): pass -p ${name}=VALUE`,
  paramBad: (where: string, value: string, want: string) => `parameter "${where}": ${value} is not ${want}`,
  paramUnknown: (name: string, known: readonly string[]) =>
    `unknown parameter "${name}"; this runbook takes ${known.length ? known.join(', ') : 'no parameters'}`,
  pathMissing: (where: string, value: string, abs: string) => `parameter "${where}": no such file ${JSON.stringify(value)}${abs !== value ? ` (looked for ${abs})` : ''}`,
  pdfNoChromium: (file: string) => `PDF export needs Chromium at ${file} (apt-get install chromium, or set NETRUNBOOK_CHROMIUM)`,
  pdfNoPlaywright: 'PDF export needs the playwright-core package (npm install playwright-core)',
  assignmentSyntax: (pair: string) => `-p ${JSON.stringify(pair)}: expected name=value`,
  runbookNotFound: (ref: string, dir: string, ids: readonly string[]) =>
    `no runbook "${ref}": not a file, and not an id in ${dir} (${ids.join(', ') || 'none found'})`,
  notARunbook: (file: string) => `${file} has no metadata.runbook (id, version, title): not a runbook`,
  notAnInvestigation: (file: string) => `${file} has no metadata.investigation: not a saved run (use "runbook run" for a runbook)`,
  invalidNotebook: (file: string, errors: readonly string[]) => `${file} is not a valid notebook: ${errors.join('; ')}`,
} as const;
