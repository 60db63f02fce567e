/**
 * Worker thread of worker-pool.ts: hashes the chunk it is sent (SHA-256, the
 * buffer transferred to it) and answers with the hex digest; with a level, it
 * also encodes the chunk file (chunks/codec.ts: zstd where that saves space)
 * and transfers the file back, so compression leaves the main thread too.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { encodeChunk, type ChunkCodec } from '../chunks/codec.js';

interface HashRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly offset: number;
  readonly length: number;
  /** zstd level to encode the chunk file at; absent: hash only. */
  readonly level?: number;
}

export interface HashReply {
  readonly id: number;
  readonly digest: string;
  readonly encoded?: { readonly codec: ChunkCodec; readonly rawLength: number; readonly file: ArrayBuffer };
}

/** `buffer`'s bytes in an ArrayBuffer of their own (transferable without detaching anything else). */
function ownArrayBuffer(buffer: Buffer): ArrayBuffer {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length && buffer.buffer instanceof ArrayBuffer) {
    return buffer.buffer;
  }
  return new Uint8Array(buffer).buffer;
}

parentPort?.on('message', (request: HashRequest) => {
  const { id, buffer, offset, length, level } = request;
  const data = new Uint8Array(buffer, offset, length);
  const digest = createHash('sha256').update(data).digest('hex');
  if (level === undefined) {
    parentPort?.postMessage({ id, digest } satisfies HashReply);
    return;
  }
  const { codec, rawLength, file } = encodeChunk(Buffer.from(buffer, offset, length), level);
  const transfer = ownArrayBuffer(file);
  parentPort?.postMessage({ id, digest, encoded: { codec, rawLength, file: transfer } } satisfies HashReply, [transfer]);
});
