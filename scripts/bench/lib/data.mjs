// Deterministic incompressible bytes (AES-128-CTR keystream) and the rewrite plan.
import { createCipheriv, createHash } from 'node:crypto';

const BLOCK = 4 * 1024 * 1024;

/** A seeded source of random-looking, incompressible bytes, read in order. */
export class RandomStream {
  constructor(seed) {
    const key = createHash('sha256').update(`edgesnap-bench:${seed}`).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
    this.zeros = Buffer.alloc(BLOCK);
  }

  /** The next `length` bytes (a fresh buffer). */
  next(length) {
    if (length <= BLOCK) return this.cipher.update(this.zeros.subarray(0, length));
    return this.cipher.update(Buffer.alloc(length));
  }
}

/** Calls `sink(offset, buffer)` for the whole image of `size` bytes from `seed`, in 4 MiB pieces. */
export async function forEachBlock(seed, size, sink) {
  const stream = new RandomStream(seed);
  for (let offset = 0; offset < size; offset += BLOCK) {
    await sink(offset, stream.next(Math.min(BLOCK, size - offset)));
  }
}

/** A small seeded PRNG (xorshift32) for choosing offsets. */
function prng(seed) {
  let x = (createHash('sha256').update(`offsets:${seed}`).digest().readUInt32LE(0) || 1) >>> 0;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * `percent` % of a `size`-byte disk as distinct, aligned `writeSize` writes at
 * seeded random offsets, sorted: [{ offset, data }].
 */
export function rewritePlan(seed, size, percent, writeSize = 64 * 1024) {
  const slots = Math.floor(size / writeSize);
  const count = Math.min(slots, Math.max(1, Math.round((size * percent) / 100 / writeSize)));
  const rand = prng(seed);
  const chosen = new Set();
  while (chosen.size < count) chosen.add(Math.floor(rand() * slots));
  const stream = new RandomStream(`rewrite:${seed}`);
  return [...chosen].sort((a, b) => a - b).map((slot) => ({ offset: slot * writeSize, data: stream.next(writeSize) }));
}

/** Total bytes of a plan. */
export const planBytes = (plan) => plan.reduce((n, w) => n + w.data.length, 0);
