/** Errors of the SQL engines: user-facing (the CLI prints the message without a stack). */
export class SqlEngineError extends Error {
  override name = 'SqlEngineError';
  readonly userFacing = true;
  readonly shardDown: boolean;
  constructor(message: string, opts: { shardDown?: boolean } = {}) {
    super(message);
    this.shardDown = opts.shardDown ?? false;
  }
}
