/**
 * Worker thread of worker-pool.ts: hashes the chunk it is sent (SHA-256, the
 * buffer transferred to it) and answers with the hex digest; with a level, it
 * also encodes the chunk file (chunks/codec.ts: zstd where that saves space)
 * and transfers the file back, so compression leaves the main thread too.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeChunk, encodeChunkBeside, type ChunkCodec } from '../chunks/codec.js';
import { SLOT_DATA_AT } from './hash-slots.js';

/** A chunk sent in an ArrayBuffer of its own (transferred), or in a slot of the worker's shared arena. */
export type HashRequest = {
  readonly id: number;
  readonly length: number;
  /** zstd level to encode the chunk file at; absent: hash only. */
  readonly level?: number;
} & ({ readonly buffer: ArrayBuffer; readonly offset: number } | { readonly slot: number });

/** The arena a worker shares with the pool: `slots` slots of `slotBytes` (worker-pool.ts). */
export interface HashWorkerData {
  readonly arena?: SharedArrayBuffer;
  readonly slotBytes?: number;
}

export interface HashReply {
  readonly id: number;
  readonly digest: string;
  /** The chunk file: transferred, or (`fileStart`, `fileLength`) written into the request's slot. */
  readonly encoded?: {
    readonly codec: ChunkCodec; readonly rawLength: number; readonly file?: ArrayBuffer;
    readonly fileStart?: number; readonly fileLength?: number;
  };
}

const shared = workerData as HashWorkerData | undefined;

/** `buffer`'s bytes in an ArrayBuffer of their own (transferable without detaching anything else). */
function ownArrayBuffer(buffer: Buffer): ArrayBuffer {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length && buffer.buffer instanceof ArrayBuffer) {
    return buffer.buffer;
  }
  return new Uint8Array(buffer).buffer;
}

/** Slot `index` of the arena shared with the pool. */
function slotOf(index: number): Buffer {
  return Buffer.from(shared!.arena!, index * shared!.slotBytes!, shared!.slotBytes!);
}

/** Hashes (and encodes) one chunk; a transferred chunk file is added to `transfer`. */
function handle(request: HashRequest, transfer: ArrayBuffer[]): HashReply {
  const { id, length, level } = request;
  const slot = 'slot' in request ? slotOf(request.slot) : undefined;
  const data = 'slot' in request
    ? slot!.subarray(SLOT_DATA_AT, SLOT_DATA_AT + length) : Buffer.from(request.buffer, request.offset, length);
  const digest = createHash('sha256').update(data).digest('hex');
  if (level === undefined) return { id, digest };
  if (slot) {
    // The pool sizes slots for the raw bytes and a chunk file beside them (hash-slots.ts).
    const { codec, fileStart, fileLength } = encodeChunkBeside(slot, SLOT_DATA_AT, length, level);
    return { id, digest, encoded: { codec, rawLength: length, fileStart, fileLength } };
  }
  const { codec, rawLength, file } = encodeChunk(data, level);
  const own = ownArrayBuffer(file);
  transfer.push(own);
  return { id, digest, encoded: { codec, rawLength, file: own } };
}

// Requests come in batches (one message per batch, see worker-pool.ts); so do the replies.
parentPort?.on('message', (batch: HashRequest[]) => {
  const transfer: ArrayBuffer[] = [];
  const replies = batch.map((request) => handle(request, transfer));
  parentPort?.postMessage(replies, transfer);
});
