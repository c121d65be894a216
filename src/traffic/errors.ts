/** A user mistake about a traffic source (missing file, unknown format): printed as one line. */
export class TrafficError extends Error {
  readonly userFacing = true;
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
    this.name = 'TrafficError';
  }
}
