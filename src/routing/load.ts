import type { ColumnTable } from 'arquero';
import { decodeMrt, type MrtReport, type Route } from './mrt.js';
import { readMrtSource, type MrtLoadOptions } from './source.js';
import { routeTable } from './table.js';

export interface MrtLoaded {
  routes: Route[];
  table: ColumnTable;
  report: MrtReport;
}

/** Loads an MRT file (raw, gzip or bzip2) into routes, a route table and a report; a cut or corrupt file keeps the records before the damage. */
export async function loadMrt(file: string, opts: MrtLoadOptions = {}): Promise<MrtLoaded> {
  const { bytes, problem } = await readMrtSource(file, opts);
  const { routes, report } = decodeMrt(bytes, { source: file, maxListed: opts.maxListed, inputProblem: problem });
  return { routes, table: routeTable(routes), report };
}
