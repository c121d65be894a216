import type { LoadReport, SkippedRow, TrafficFormat } from './fields.js';

/** Default cap on how many skipped rows are listed individually (all are counted by reason). */
export const MAX_SKIPPED_LISTED = 100;

/** Collects what a loader read, kept and skipped; `finish()` produces the LoadReport. */
export class ReportBuilder {
  rowsRead = 0;
  rowsLoaded = 0;
  rowsSkipped = 0;
  readonly skipped: SkippedRow[] = [];
  readonly reasons: Record<string, number> = {};
  readonly warnings: Record<string, number> = {};
  private readonly started = performance.now();

  constructor(
    readonly source: string,
    readonly format: TrafficFormat,
    readonly maxListed = MAX_SKIPPED_LISTED,
  ) {}

  skip(line: number, reason: string): void {
    this.rowsSkipped++;
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
    if (this.skipped.length < this.maxListed) this.skipped.push({ line, reason });
  }

  warn(reason: string): void {
    this.warnings[reason] = (this.warnings[reason] ?? 0) + 1;
  }

  finish(): LoadReport {
    const r: LoadReport = {
      source: this.source,
      format: this.format,
      rowsRead: this.rowsRead,
      rowsLoaded: this.rowsLoaded,
      rowsSkipped: this.rowsSkipped,
      skipped: this.skipped,
      reasons: this.reasons,
      fromCache: false,
      durationMs: Math.round((performance.now() - this.started) * 10) / 10,
    };
    if (Object.keys(this.warnings).length) r.warnings = this.warnings;
    return r;
  }
}
