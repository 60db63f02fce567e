/**
 * Worker thread of worker-pool.ts: hashes the chunk it is sent (SHA-256, the
 * buffer transferred to it) and answers with the hex digest.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

interface HashRequest {
  readonly id: number;
  readonly buffer: ArrayBuffer;
  readonly offset: number;
  readonly length: number;
}

parentPort?.on('message', (request: HashRequest) => {
  const { id, buffer, offset, length } = request;
  const digest = createHash('sha256').update(new Uint8Array(buffer, offset, length)).digest('hex');
  parentPort?.postMessage({ id, digest });
});
