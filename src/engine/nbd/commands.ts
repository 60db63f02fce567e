/**
 * Runs one validated request against the device and builds its complete reply
 * (every buffer to write, in order). Simple replies unless the client
 * negotiated structured replies; then READ answers with OFFSET_DATA /
 * OFFSET_HOLE chunks, BLOCK_STATUS with one `base:allocation` chunk, other
 * commands with NONE, and every error with an ERROR chunk carrying a message.
 * A reply is only built once the device has answered in full, so the final
 * chunk always carries NBD_REPLY_FLAG_DONE and no error can follow it.
 */
import type { BlockDevice } from '../block-device.js';
import { blockStatusChunk, deviceExtents } from './block-status.js';
import {
  NBD_CMD_BLOCK_STATUS,
  NBD_CMD_FLAG_DF,
  NBD_CMD_FLAG_FUA,
  NBD_CMD_FLAG_REQ_ONE,
  NBD_CMD_FLUSH,
  NBD_CMD_READ,
  NBD_CMD_TRIM,
  NBD_CMD_WRITE,
  NBD_CMD_WRITE_ZEROES,
  NBD_EINVAL,
  encodeSimpleReply,
  type RequestHeader,
} from './protocol.js';
import {
  encodeErrorChunk,
  encodeNoneChunk,
  encodeOffsetDataHeader,
  encodeOffsetHoleChunk,
} from './structured.js';
import type { SessionFeatures } from './validate.js';

/** A request refused before reaching the device: answered with `errno`, not logged. */
export class RejectedRequest extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'RejectedRequest';
  }
}

export type Operation = () => Promise<Buffer[]>;

export class Commands {
  constructor(
    private readonly device: BlockDevice,
    private readonly session: SessionFeatures,
  ) {}

  /** The operation for a validated request; `data` is a WRITE's payload. */
  operation(req: RequestHeader, data?: Buffer): Operation {
    const { device } = this;
    const offset = Number(req.offset);
    const fua = (req.flags & NBD_CMD_FLAG_FUA) !== 0;
    const done = (work: () => Promise<void>): Operation => async () => {
      await work();
      return [this.ok(req.cookie)];
    };
    switch (req.type) {
      case NBD_CMD_READ:
        return () => this.read(req);
      case NBD_CMD_WRITE:
        return done(() => device.write(offset, data ?? Buffer.alloc(0), fua));
      case NBD_CMD_FLUSH:
        return done(() => device.flush());
      case NBD_CMD_TRIM:
        return done(() => device.trim(offset, req.length, fua));
      case NBD_CMD_WRITE_ZEROES:
        return done(() => device.writeZeroes(offset, req.length, fua));
      case NBD_CMD_BLOCK_STATUS:
        return () => this.blockStatus(req);
      default: // unreachable: validation refuses every other command
        return () => Promise.reject(new RejectedRequest(NBD_EINVAL, `unsupported command ${req.type}`));
    }
  }

  /** The reply to a failed request. */
  error(cookie: bigint, errno: number, message: string): Buffer {
    return this.session.structuredReplies ? encodeErrorChunk(cookie, errno, message) : encodeSimpleReply(cookie, errno);
  }

  private ok(cookie: bigint): Buffer {
    return this.session.structuredReplies ? encodeNoneChunk(cookie) : encodeSimpleReply(cookie, 0);
  }

  private async read(req: RequestHeader): Promise<Buffer[]> {
    const offset = Number(req.offset);
    const { cookie, length } = req;
    if (!this.session.structuredReplies) return [encodeSimpleReply(cookie, 0), await this.readExactly(offset, length)];
    // DF: one content chunk, zeroes included.
    if ((req.flags & NBD_CMD_FLAG_DF) !== 0 || !this.device.blockStatus) {
      return [encodeOffsetDataHeader(cookie, offset, length, true), await this.readExactly(offset, length)];
    }
    // Holes (never-written ranges) are sent as OFFSET_HOLE: 32 bytes instead of their length in zeroes.
    const extents = await deviceExtents(this.device, offset, length);
    if (extents.length === 1 && extents[0]?.hole === false) {
      // The common case (all data), without the per-piece promises below.
      return [encodeOffsetDataHeader(cookie, offset, length, true), await this.readExactly(offset, length)];
    }
    let at = offset;
    const pieces = extents.map((extent, i) => {
      const start = at;
      at += extent.length;
      const last = i === extents.length - 1;
      if (extent.hole) return Promise.resolve([encodeOffsetHoleChunk(cookie, start, extent.length, last)]);
      return this.readExactly(start, extent.length).then((bytes) => [
        encodeOffsetDataHeader(cookie, start, extent.length, last),
        bytes,
      ]);
    });
    return (await Promise.all(pieces)).flat();
  }

  private async readExactly(offset: number, length: number): Promise<Buffer> {
    const data = await this.device.read(offset, length);
    if (!Buffer.isBuffer(data) || data.length !== length) {
      throw new Error(`device returned ${Buffer.isBuffer(data) ? data.length : 'no'} bytes for a ${length}-byte read`);
    }
    return data;
  }

  private async blockStatus(req: RequestHeader): Promise<Buffer[]> {
    const contextId = this.session.allocationContextId;
    if (contextId === undefined) throw new RejectedRequest(NBD_EINVAL, 'no metadata context selected');
    const extents = await deviceExtents(this.device, Number(req.offset), req.length);
    return [blockStatusChunk(req.cookie, contextId, extents, (req.flags & NBD_CMD_FLAG_REQ_ONE) !== 0)];
  }
}
