/** Seeded randomness and disk images: the bytes a trial wrote, recorded so restores can be compared bit for bit. */
import { NbdClient } from './nbd-client.js';

/** mulberry32: a small seeded generator, so a failing trial can be replayed with the same CRASH_SEED. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }
}

export const SEED = Number(process.env.CRASH_SEED ?? 20261128);
export const MiB = 1 << 20;

/** Pseudo-random bytes (xorshift32) from a seed: distinct seeds give distinct, incompressible chunks. */
export function noise(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i + 4 <= length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

/** Writes `image` at offset 0 in 1 MiB requests, then FLUSH: acknowledged means durable. */
export async function writeImage(port: number, diskId: string, image: Buffer): Promise<void> {
  const nbd = await NbdClient.open(port, diskId);
  try {
    for (let at = 0; at < image.length; at += MiB) await nbd.write(at, image.subarray(at, Math.min(at + MiB, image.length)));
    await nbd.flush();
  } finally {
    await nbd.close();
  }
}

export async function readImage(port: number, diskId: string, length: number): Promise<Buffer> {
  const nbd = await NbdClient.open(port, diskId);
  try {
    return await nbd.readRange(0, length);
  } finally {
    await nbd.close();
  }
}

/** `undefined` when equal, else where and how the two differ (for the assertion message). */
export function difference(actual: Buffer, expected: Buffer): string | undefined {
  if (actual.equals(expected)) return undefined;
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) {
      return `first difference at byte ${i} (chunk ${Math.floor(i / MiB)}): ${actual[i]} instead of ${expected[i]}`;
    }
  }
  return `lengths differ: ${actual.length} instead of ${expected.length}`;
}
