/** Deterministic test data (no ambient randomness). */

const BASE_SIZE = 1024 * 1024;

/** `size` bytes from a xorshift32 stream seeded by `seed`. */
function xorshift(size: number, seed: number): Buffer {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return Buffer.from(words.buffer, 0, size);
}

/**
 * `size` pseudo-random bytes for `seed`: a 1 MiB xorshift block repeated, with
 * every 512-byte sector stamped with its index and the seed, so a sector that
 * lands at the wrong offset (or comes from another image) never compares equal.
 */
export function pseudoRandom(size: number, seed: number): Buffer {
  const base = xorshift(Math.min(size, BASE_SIZE), seed);
  const buf = Buffer.allocUnsafe(size);
  for (let at = 0; at < size; at += base.length) base.copy(buf, at, 0, Math.min(base.length, size - at));
  for (let sector = 0; sector * 512 + 8 <= size; sector++) {
    buf.writeUInt32BE(sector, sector * 512);
    buf.writeUInt32BE(seed >>> 0, sector * 512 + 4);
  }
  return buf;
}

/** Pseudo-random data with every `every`-th block of `blockSize` bytes zeroed (to exercise sparse paths). */
export function sparseImage(size: number, seed: number, blockSize = 64 * 1024, every = 3): Buffer {
  const buf = pseudoRandom(size, seed);
  for (let block = 0; block * blockSize < size; block += every) {
    buf.fill(0, block * blockSize, Math.min(size, (block + 1) * blockSize));
  }
  return buf;
}
