/**
 * The transmission phase: reads 28-byte requests, validates each one before it
 * reaches the device (nbdkit `validate_request` style), runs them concurrently
 * and answers each with a simple reply as soon as it finishes (any order).
 *
 * Back-pressure: a request holds a slot (and, for READ/WRITE, its payload
 * bytes) from the moment its header is read until its reply has been handed to
 * the kernel; the loop stops reading the socket while `maxInFlight` slots or
 * `maxInFlightBytes` are taken, so memory per connection stays bounded even if
 * the client does not read its replies.
 */
import type { Socket } from 'node:net';
import type { BlockDevice, ExportHandle } from '../block-device.js';
import { ConnectionClosedError, ProtocolViolationError, toNbdErrno } from './errors.js';
import {
  NBD_CMD_DISC,
  NBD_CMD_FLAG_FUA,
  NBD_CMD_FLAG_NO_HOLE,
  NBD_CMD_FLUSH,
  NBD_CMD_READ,
  NBD_CMD_TRIM,
  NBD_CMD_WRITE,
  NBD_CMD_WRITE_ZEROES,
  NBD_EINVAL,
  NBD_ENOSPC,
  NBD_EPERM,
  NBD_FLAG_HAS_FLAGS,
  NBD_FLAG_READ_ONLY,
  NBD_FLAG_SEND_FLUSH,
  NBD_FLAG_SEND_FUA,
  NBD_FLAG_SEND_TRIM,
  NBD_FLAG_SEND_WRITE_ZEROES,
  NBD_REQUEST_MAGIC,
  REQUEST_HEADER_LENGTH,
  decodeRequestHeader,
  encodeSimpleReply,
  type RequestHeader,
} from './protocol.js';
import type { ByteReader } from './reader.js';

export const DEFAULT_MAX_PAYLOAD = 32 * 1024 * 1024;
export const DEFAULT_MAX_IN_FLIGHT = 64;
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 128 * 1024 * 1024;

export interface TransmissionLimits {
  /** Largest READ/WRITE length accepted (advertised as NBD_INFO_BLOCK_SIZE maximum). */
  readonly maxPayload: number;
  readonly maxInFlight: number;
  readonly maxInFlightBytes: number;
}

/** Transmission flags advertised for an export. */
export function transmissionFlags(readOnly: boolean): number {
  const flags =
    NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_TRIM | NBD_FLAG_SEND_WRITE_ZEROES;
  return readOnly ? flags | NBD_FLAG_READ_ONLY : flags;
}

/**
 * A WRITE longer than maxPayload is answered EINVAL after its payload has been
 * streamed past (never buffered) as long as it is at most this long; a longer
 * one drops the connection.
 */
export function writeDiscardLimit(maxPayload: number): number {
  return 2 * maxPayload;
}

const WRITE_LIKE = new Set([NBD_CMD_WRITE, NBD_CMD_TRIM, NBD_CMD_WRITE_ZEROES]);
const NEEDS_LENGTH = new Set([NBD_CMD_READ, NBD_CMD_WRITE, NBD_CMD_TRIM, NBD_CMD_WRITE_ZEROES]);

/** 0 when `req` may reach the device, else the errno to answer with. */
export function validateRequest(
  req: RequestHeader,
  device: { readonly size: number },
  readOnly: boolean,
  maxPayload: number,
): number {
  const { type, flags, length, offset } = req;
  if (![NBD_CMD_READ, NBD_CMD_WRITE, NBD_CMD_FLUSH, NBD_CMD_TRIM, NBD_CMD_WRITE_ZEROES].includes(type)) {
    return NBD_EINVAL;
  }
  // FUA is valid (and ignored where meaningless) on every command; NO_HOLE only on WRITE_ZEROES.
  const allowed = NBD_CMD_FLAG_FUA | (type === NBD_CMD_WRITE_ZEROES ? NBD_CMD_FLAG_NO_HOLE : 0);
  if ((flags & ~allowed) !== 0) return NBD_EINVAL;
  if (readOnly && WRITE_LIKE.has(type)) return NBD_EPERM;
  if (type === NBD_CMD_FLUSH) return offset === 0n && length === 0 ? 0 : NBD_EINVAL;
  if (NEEDS_LENGTH.has(type) && length === 0) return NBD_EINVAL;
  if ((type === NBD_CMD_READ || type === NBD_CMD_WRITE) && length > maxPayload) return NBD_EINVAL;
  if (offset + BigInt(length) > BigInt(device.size)) {
    return type === NBD_CMD_WRITE || type === NBD_CMD_WRITE_ZEROES ? NBD_ENOSPC : NBD_EINVAL;
  }
  return 0;
}

export interface TransmissionContext {
  readonly socket: Socket;
  readonly reader: ByteReader;
  readonly handle: ExportHandle;
  readonly limits: TransmissionLimits;
  readonly log: (msg: string) => void;
}

/**
 * Serves requests until NBD_CMD_DISC (resolves once every request in flight has
 * been answered) or the connection breaks (rejects once the device is idle).
 */
export async function serveTransmission(ctx: TransmissionContext): Promise<void> {
  await new Transmission(ctx).run();
}

type Operation = () => Promise<Buffer | void>;

class Transmission {
  private inFlight = 0;
  private inFlightBytes = 0;
  private readonly running = new Set<Promise<void>>();
  private wake: (() => void) | undefined;
  private readonly device: BlockDevice;

  constructor(private readonly ctx: TransmissionContext) {
    this.device = ctx.handle.device;
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
    const { readOnly } = this.ctx.handle;
    const { maxPayload } = this.ctx.limits;
    const errno = validateRequest(req, this.device, readOnly, maxPayload);
    if (req.type === NBD_CMD_WRITE) {
      if (errno !== 0) {
        if (req.length > writeDiscardLimit(maxPayload)) {
          throw new ProtocolViolationError(`WRITE of ${req.length} bytes exceeds the payload limit`);
        }
        await this.ctx.reader.skip(req.length);
        return this.dispatch(req, () => Promise.reject(new RejectedRequest(errno)));
      }
      const data = await this.ctx.reader.read(req.length);
      return this.dispatch(req, () => this.device.write(Number(req.offset), data, isFua(req)));
    }
    if (errno !== 0) return this.dispatch(req, () => Promise.reject(new RejectedRequest(errno)));
    this.dispatch(req, this.operation(req));
  }

  private operation(req: RequestHeader): Operation {
    const offset = Number(req.offset);
    switch (req.type) {
      case NBD_CMD_READ:
        return () => this.device.read(offset, req.length);
      case NBD_CMD_FLUSH:
        return () => this.device.flush();
      case NBD_CMD_TRIM:
        return () => this.device.trim(offset, req.length, isFua(req));
      case NBD_CMD_WRITE_ZEROES:
        return () => this.device.writeZeroes(offset, req.length, isFua(req));
      default: // unreachable: validateRequest refuses every other command
        return () => Promise.reject(new RejectedRequest(NBD_EINVAL));
    }
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
      const data = await op();
      if (req.type !== NBD_CMD_READ) return [encodeSimpleReply(req.cookie, 0)];
      if (!Buffer.isBuffer(data) || data.length !== req.length) {
        throw new Error(`device returned ${Buffer.isBuffer(data) ? data.length : 'no'} bytes for a ${req.length}-byte read`);
      }
      return [encodeSimpleReply(req.cookie, 0), data];
    } catch (err) {
      if (err instanceof RejectedRequest) return [encodeSimpleReply(req.cookie, err.errno)];
      this.ctx.log(`nbd: command ${req.type} at ${req.offset}+${req.length} failed: ${String(err)}`);
      return [encodeSimpleReply(req.cookie, toNbdErrno(err))];
    }
  }

  /** Writes one reply (header and data in one corked writev); frees its slot once the kernel has it. */
  private send(parts: Buffer[], bytes: number): void {
    const { socket } = this.ctx;
    if (socket.destroyed || !socket.writable) return this.release(bytes);
    const done = (): void => this.release(bytes);
    socket.cork();
    parts.forEach((part, i) => (i === parts.length - 1 ? socket.write(part, done) : socket.write(part)));
    socket.uncork();
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

function isFua(req: RequestHeader): boolean {
  return (req.flags & NBD_CMD_FLAG_FUA) !== 0;
}

/** A request refused by validation: answered with `errno`, not logged. */
class RejectedRequest extends Error {
  constructor(readonly errno: number) {
    super(`request rejected with errno ${errno}`);
  }
}
