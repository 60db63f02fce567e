/**
 * Volume and snapshot ids are opaque to the engine but become file names, so
 * they are restricted to a portable, traversal-free alphabet.
 */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function isSafeId(id: string): boolean {
  return SAFE_ID.test(id);
}

/** Throws a TypeError naming `what` if `id` cannot be used as a file name. */
export function assertSafeId(what: string, id: string): void {
  if (typeof id !== 'string' || !isSafeId(id)) {
    throw new TypeError(`invalid ${what} id ${JSON.stringify(id)}: expected [A-Za-z0-9][A-Za-z0-9._-]{0,199}`);
  }
}
