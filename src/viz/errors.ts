/** Misuse of a chart builder: a missing column, a bad option, unrecognisable step evidence. */
export class VizInputError extends Error {
  override readonly name = 'VizInputError';
  /** The CLI prints user-facing errors as one line, without a stack. */
  readonly userFacing = true;
  /** The builder or adapter that refused the input. */
  readonly builder: string;
  constructor(builder: string, message: string) {
    super(message);
    this.builder = builder;
  }
}
