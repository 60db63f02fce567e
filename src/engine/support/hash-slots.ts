/**
 * The layout of a slot in a hashing thread's shared arena (worker-pool.ts and
 * hash-worker.ts): the chunk's raw bytes at SLOT_DATA_AT, a raw chunk file's
 * header just before them, a compressed chunk file right after them — so the
 * raw bytes stay readable after encoding (codec.ts `encodeChunkBeside`).
 */
import { HEADER_BYTES } from '../chunks/codec.js';

/** Where the raw bytes start (room for a chunk file header before them). */
export const SLOT_DATA_AT = 64;

/** Bytes a slot needs for chunks of up to `chunkBytes`: the raw bytes and a chunk file beside them. */
export function slotBytesFor(chunkBytes: number): number {
  return SLOT_DATA_AT + 2 * chunkBytes + HEADER_BYTES;
}
