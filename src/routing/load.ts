import type { ColumnTable } from 'arquero';
import { decodeMrt, type MrtReport, type Route } from './mrt.js';
import { readMrtBytes, type MrtLoadOptions } from './source.js';
import { routeTable } from './table.js';

export interface MrtLoaded {
  routes: Route[];
  table: ColumnTable;
  report: MrtReport;
}

/** Loads an MRT file (raw, gzip, or bzip2 with `opts.bunzip`) into routes, a route table and a report. */
export async function loadMrt(file: string, opts: MrtLoadOptions = {}): Promise<MrtLoaded> {
  const bytes = await readMrtBytes(file, opts);
  const { routes, report } = decodeMrt(bytes, { source: file, maxListed: opts.maxListed });
  return { routes, table: routeTable(routes), report };
}
