/**
 * Why a policy document was refused: `path` names the offending element
 * (`Statement[1].Action[0]`), `reason` says what is wrong with it. The admin
 * API answers the message as is, so it must be readable without this code.
 */
export class PolicyError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = 'PolicyError';
    this.path = path;
    this.reason = reason;
  }
}

export function isPolicyError(err: unknown): err is PolicyError {
  return err instanceof PolicyError;
}
