/** What a failed call through an official client answered, and the expected answers the tests compare with. */
export interface Failure {
  status: number;
  code: string;
  message: string;
}

/** Awaits a call that must fail; Tea clients carry the status on the error, pop-core only in `entry.response`. */
export async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; statusCode?: number; entry?: { response: { statusCode: number } }; data: { Message: string } };
    return { status: err.statusCode ?? err.entry?.response.statusCode ?? 0, code: err.code, message: err.data.Message };
  }
  throw new Error('expected a failure');
}

export const missing = (name: string): Failure => ({
  status: 400, code: `Missing${name}`, message: `${name} is mandatory for this action.`,
});
export const invalid = (name: string): Failure => ({
  status: 400, code: `InvalidParameter.${name}`, message: `The specified field ${name} invalid. Please check it again.`,
});
export const diskNotFound = (id: string): Failure => ({
  status: 404, code: 'InvalidDiskId.NotFound', message: `The specified disk ${id} does not exist.`,
});
export const snapNotFound = (id: string): Failure => ({
  status: 404, code: 'ERROR_SNAPSHOT_NOT_FOUND', message: `The specified snapshot ${id} does not exist.`,
});
