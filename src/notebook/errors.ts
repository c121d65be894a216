/** Typed errors of netrunbook/notebook. All are user-facing: the CLI prints them as one line. */

/** A notebook file that cannot be read, parsed or validated. */
export class NotebookError extends Error {
  override name = 'NotebookError';
  readonly userFacing = true;
}

/** A runbook parameter that is unknown, missing or of the wrong type; names the parameter. */
export class ParameterError extends Error {
  override name = 'ParameterError';
  readonly userFacing = true;
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** A runbook that cannot be found by id or path. */
export class RunbookNotFoundError extends Error {
  override name = 'RunbookNotFoundError';
  readonly userFacing = true;
}
