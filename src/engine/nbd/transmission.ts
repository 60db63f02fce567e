/**
 * The transmission phase: reads 28-byte requests, validates each one before it
 * reaches the device (validate.ts), runs them concurrently (commands.ts) and
 * answers each as soon as it finishes, in any order: simple replies, or
 * structured ones when the client negotiated them.
 *
 * Back-pressure: a request holds a slot (and, for READ/WRITE, its payload
 * bytes) from the moment its header is read until its reply has been handed to
 * the kernel; the loop stops reading the socket while `maxInFlight` slots or
 * `maxInFlightBytes` are taken, so memory per connection stays bounded even if
 * the client does not read its replies.
 */
import type { Socket } from 'node:net';
import type { ExportHandle } from '../block-device.js';
import { Commands, RejectedRequest, type Operation } from './commands.js';
import { ConnectionClosedError, ProtocolViolationError, toNbdErrno } from './errors.js';
import {
  NBD_CMD_DISC,
  NBD_CMD_READ,
  NBD_CMD_WRITE,
  NBD_REQUEST_MAGIC,
  REQUEST_HEADER_LENGTH,
  decodeRequestHeader,
  type RequestHeader,
} from './protocol.js';
import type { ByteReader } from './reader.js';
import { PayloadPool, POOLED_FROM } from './payload-pool.js';
import { SIMPLE_SESSION, checkRequest, type SessionFeatures } from './validate.js';

export { transmissionFlags, validateRequest } from './validate.js';

export const DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;
export const DEFAULT_MAX_IN_FLIGHT = 64;
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 128 * 1024 * 1024;

export interface TransmissionLimits {
  /** Largest READ/WRITE length accepted (advertised as NBD_INFO_BLOCK_SIZE maximum). */
  readonly maxPayload: number;
  readonly maxInFlight: number;
  readonly maxInFlightBytes: number;
}

/**
 * A WRITE longer than maxPayload is answered EINVAL after its payload has been
 * streamed past (never buffered) as long as it is at most this long; a longer
 * one drops the connection.
 */
export function writeDiscardLimit(maxPayload: number): number {
  return 2 * maxPayload;
}

export interface TransmissionContext {
  readonly socket: Socket;
  readonly reader: ByteReader;
  readonly handle: ExportHandle;
  readonly limits: TransmissionLimits;
  /** What the handshake negotiated (default: simple replies only). */
  readonly session?: SessionFeatures;
  readonly log: (msg: string) => void;
}

/**
 * Serves requests until NBD_CMD_DISC (resolves once every request in flight has
 * been answered) or the connection breaks (rejects once the device is idle).
 */
export async function serveTransmission(ctx: TransmissionContext): Promise<void> {
  await new Transmission(ctx).run();
}

class Transmission {
  private inFlight = 0;
  private inFlightBytes = 0;
  private readonly running = new Set<Promise<void>>();
  /** WRITE payload buffers, reused (payload-pool.ts). */
  private readonly payloads = new PayloadPool();
  private wake: (() => void) | undefined;
  /** The socket is corked until the end of this event-loop turn (see `send`). */
  private corked = false;
  private readonly commands: Commands;
  private readonly session: SessionFeatures;

  constructor(private readonly ctx: TransmissionContext) {
    this.session = ctx.session ?? SIMPLE_SESSION;
    this.commands = new Commands(ctx.handle.device, this.session);
    ctx.socket.once('close', () => this.notify());
  }

  async run(): Promise<void> {
    try {
      for (;;) {
        this.assertOpen();
        const req = decodeRequestHeader(await this.ctx.reader.read(REQUEST_HEADER_LENGTH));
        if (req.magic !== NBD_REQUEST_MAGIC) {
          throw new ProtocolViolationError(`bad request magic 0x${req.magic.toString(16)}`);
        }
        if (req.type === NBD_CMD_DISC) break;
        await this.waitForCapacity(this.payloadBytes(req));
        await this.accept(req);
      }
    } finally {
      // Never let the handle go while the device still works for this connection.
      await Promise.allSettled([...this.running]);
    }
  }

  private async accept(req: RequestHeader): Promise<void> {
    const { readOnly, device } = this.ctx.handle;
    const { maxPayload } = this.ctx.limits;
    const rejection = checkRequest(req, device, readOnly, maxPayload, this.session);
    const refuse: Operation | undefined = rejection
      ? () => Promise.reject(new RejectedRequest(rejection.errno, rejection.message))
      : undefined;
    if (req.type === NBD_CMD_WRITE) {
      if (refuse) {
        if (req.length > writeDiscardLimit(maxPayload)) {
          throw new ProtocolViolationError(`WRITE of ${req.length} bytes exceeds the payload limit`);
        }
        await this.ctx.reader.skip(req.length);
        return this.dispatch(req, refuse);
      }
      if (req.length < POOLED_FROM) {
        return this.dispatch(req, this.commands.operation(req, await this.ctx.reader.read(req.length)));
      }
      const buffer = this.payloads.acquire(req.length);
      const write = this.commands.operation(req, await this.ctx.reader.read(req.length, buffer));
      // The device is done with the payload once the write settles (it keeps no reference).
      return this.dispatch(req, () => write().finally(() => this.payloads.release(buffer)));
    }
    this.dispatch(req, refuse ?? this.commands.operation(req));
  }

  /** Starts `op` now; its reply is sent whenever it settles. */
  private dispatch(req: RequestHeader, op: Operation): void {
    const bytes = this.payloadBytes(req);
    this.inFlight++;
    this.inFlightBytes += bytes;
    const task = this.execute(req, op).then(
      (reply) => this.send(reply, bytes),
      () => this.release(bytes),
    );
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  private async execute(req: RequestHeader, op: Operation): Promise<Buffer[]> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof RejectedRequest) return [this.commands.error(req.cookie, err.errno, err.message)];
      this.ctx.log(`nbd: command ${req.type} at ${req.offset}+${req.length} failed: ${String(err)}`);
      const errno = toNbdErrno(err);
      // The message names the failure class only: device errors may carry server paths.
      return [this.commands.error(req.cookie, errno, `command ${req.type} failed on the server (errno ${errno})`)];
    }
  }

  /**
   * Queues one reply (header and data); frees its slot once the kernel has it.
   * Every reply finished in the same event-loop turn goes out in one corked
   * writev at `setImmediate` (right after the poll phase that completed them):
   * at queue depth 16, one syscall per reply was ~28% of the busy main thread on 4 KiB reads.
   */
  private send(parts: Buffer[], bytes: number): void {
    const { socket } = this.ctx;
    if (socket.destroyed || !socket.writable) return this.release(bytes);
    const done = (): void => this.release(bytes);
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      setImmediate(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    parts.forEach((part, i) => (i === parts.length - 1 ? socket.write(part, done) : socket.write(part)));
  }

  private release(bytes: number): void {
    this.inFlight--;
    this.inFlightBytes -= bytes;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async waitForCapacity(bytes: number): Promise<void> {
    const { maxInFlight, maxInFlightBytes } = this.ctx.limits;
    while (this.inFlight >= maxInFlight || (this.inFlight > 0 && this.inFlightBytes + bytes > maxInFlightBytes)) {
      this.assertOpen();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.assertOpen();
  }

  /** Memory a request pins while in flight: its READ reply or WRITE payload (oversized ones are never buffered). */
  private payloadBytes(req: RequestHeader): number {
    const pins = req.type === NBD_CMD_READ || req.type === NBD_CMD_WRITE;
    return pins && req.length <= this.ctx.limits.maxPayload ? req.length : 0;
  }

  private assertOpen(): void {
    if (this.ctx.socket.destroyed) throw new ConnectionClosedError();
  }
}
