/**
 * Typed errors of netrunbook/steps. Both are thrown BEFORE any process starts: bad input and a
 * missing tool are the caller's problem to fix, unlike a failing tool, which is data.
 * `userFacing = true` makes the CLI print them as one line without a stack.
 */
import { message } from './messages.js';

/** An argument a step refuses: names what, the offending input, and why (with position). */
export class StepInputError extends Error {
  override name = 'StepInputError';
  readonly userFacing = true;
  constructor(
    /** Which argument, e.g. "host", "url", "header 2". */
    readonly what: string,
    /** The rejected value, verbatim. */
    readonly input: string,
    /** Why, e.g. 'contains ";" at position 11 ...'. */
    readonly reason: string,
  ) {
    super(message.inputError(what, input, reason));
  }
}

/** A tool a step needs is not on PATH. */
export class ToolMissingError extends Error {
  override name = 'ToolMissingError';
  readonly userFacing = true;
  constructor(
    readonly tool: string,
    /** The Debian package that provides it. */
    readonly debianPackage: string,
  ) {
    super(message.toolMissing(tool, debianPackage));
  }
}
