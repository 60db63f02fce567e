/**
 * A device's allocation as NBD sees it: `deviceExtents` asks the device's
 * optional `blockStatus` (else: all data) and makes the answer safe to put on
 * the wire; `blockStatusChunk` turns it into the `base:allocation` reply.
 */
import type { BlockDevice, BlockExtent } from '../block-device.js';
import { NBD_STATE_HOLE, NBD_STATE_ZERO, encodeBlockStatusChunk, type BlockDescriptor } from './structured.js';

/** Most descriptors sent in one BLOCK_STATUS reply (8 bytes each); the client asks again for the rest. */
export const MAX_BLOCK_STATUS_EXTENTS = 2048;

/**
 * Extents covering exactly `[offset, offset + length)`, merged, none empty.
 * A device answer that is short, long or malformed is repaired conservatively:
 * anything it does not describe is data.
 */
export async function deviceExtents(device: BlockDevice, offset: number, length: number): Promise<BlockExtent[]> {
  const reported = device.blockStatus ? await device.blockStatus(offset, length) : [];
  const out: BlockExtent[] = [];
  let covered = 0;
  const push = (size: number, hole: boolean): void => {
    const last = out[out.length - 1];
    if (last && last.hole === hole) out[out.length - 1] = { length: last.length + size, hole };
    else out.push({ length: size, hole });
  };
  for (const extent of reported) {
    if (covered >= length) break;
    if (!Number.isSafeInteger(extent.length) || extent.length <= 0) break;
    const size = Math.min(extent.length, length - covered);
    push(size, extent.hole === true);
    covered += size;
  }
  if (covered < length) push(length - covered, false);
  return out;
}

/** base:allocation flags: a hole reads as zeroes; data is 0 ("allocated, contents unknown"). */
export function allocationFlags(extent: BlockExtent): number {
  return extent.hole ? NBD_STATE_HOLE | NBD_STATE_ZERO : 0;
}

/**
 * The BLOCK_STATUS reply for one context (final chunk). With REQ_ONE exactly
 * one descriptor, never longer than the request; else at most
 * MAX_BLOCK_STATUS_EXTENTS, which may describe less than was asked.
 */
export function blockStatusChunk(
  cookie: bigint,
  contextId: number,
  extents: readonly BlockExtent[],
  reqOne: boolean,
): Buffer {
  const limit = reqOne ? 1 : MAX_BLOCK_STATUS_EXTENTS;
  const descriptors: BlockDescriptor[] = extents
    .slice(0, limit)
    .map((extent) => ({ length: extent.length, flags: allocationFlags(extent) }));
  return encodeBlockStatusChunk(cookie, contextId, descriptors, true);
}
