/**
 * A minimal NBD client (fixed newstyle, NBD_OPT_EXPORT_NAME, simple replies) so the crash and point-in-time suites
 * know exactly when each write was sent and when its acknowledgement arrived — qemu-io batches commands and
 * reports no per-write timing. Written from the protocol document (doc/proto.md of NetworkBlockDevice/nbd), not
 * from edgesnap's server, so it checks the server against the protocol.
 */
import { connect, type Socket } from 'node:net';

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;
const OPT_EXPORT_NAME = 1;
const CLIENT_FLAGS = 0b11; // FIXED_NEWSTYLE | NO_ZEROES
const CMD = { read: 0, write: 1, disc: 2, flush: 3 } as const;
const CMD_FLAG_FUA = 1;
const FLAG_SEND_FLUSH = 1 << 2;
const FLAG_SEND_FUA = 1 << 3;

interface Pending {
  readonly readLength: number;
  resolve(data: Buffer): void;
  reject(err: Error): void;
}

export class NbdError extends Error {
  constructor(readonly errno: number, what: string) {
    super(`NBD ${what} failed with error ${errno}`);
  }
}

export class NbdClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private readonly pending = new Map<bigint, Pending>();
  private nextHandle = 1n;
  private closedWith: Error | undefined;
  size = 0;
  flags = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
      if (this.waiter) this.waiter();
      else this.drainReplies();
    });
    const fail = (err: Error): void => {
      this.closedWith ??= err;
      for (const p of this.pending.values()) p.reject(this.closedWith);
      this.pending.clear();
      this.waiter?.();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('NBD connection closed')));
  }

  /** Connects and enters transmission on `exportName` (the disk id). */
  static async open(port: number, exportName: string, host = '127.0.0.1'): Promise<NbdClient> {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new NbdClient(socket);
    await client.handshake(exportName);
    return client;
  }

  private async take(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.closedWith) throw this.closedWith;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  private async handshake(exportName: string): Promise<void> {
    const greeting = await this.take(18);
    if (greeting.readBigUInt64BE(0) !== NBDMAGIC || greeting.readBigUInt64BE(8) !== IHAVEOPT) {
      throw new Error('not an NBD newstyle server');
    }
    const name = Buffer.from(exportName, 'utf8');
    const opt = Buffer.alloc(4 + 16);
    opt.writeUInt32BE(CLIENT_FLAGS, 0);
    opt.writeBigUInt64BE(IHAVEOPT, 4);
    opt.writeUInt32BE(OPT_EXPORT_NAME, 12);
    opt.writeUInt32BE(name.length, 16);
    this.socket.write(Buffer.concat([opt, name]));
    const reply = await this.take(10); // size (u64), transmission flags (u16); no zero padding (NO_ZEROES)
    this.size = Number(reply.readBigUInt64BE(0));
    this.flags = reply.readUInt16BE(8);
    if (!(this.flags & FLAG_SEND_FLUSH) || !(this.flags & FLAG_SEND_FUA)) throw new Error('export offers no FLUSH/FUA');
    if (this.buffered.length > 0) throw new Error('unexpected bytes after the handshake');
  }

  /** Parses every complete reply in the buffer (transmission phase). */
  private drainReplies(): void {
    for (;;) {
      if (this.buffered.length < 16) return;
      const magic = this.buffered.readUInt32BE(0);
      if (magic !== SIMPLE_REPLY_MAGIC) {
        this.socket.destroy(new Error(`bad reply magic 0x${magic.toString(16)}`));
        return;
      }
      const errno = this.buffered.readUInt32BE(4);
      const handle = this.buffered.readBigUInt64BE(8);
      const p = this.pending.get(handle);
      if (!p) {
        this.socket.destroy(new Error(`reply for unknown handle ${handle}`));
        return;
      }
      const payload = errno === 0 ? p.readLength : 0;
      if (this.buffered.length < 16 + payload) return;
      const data = Buffer.from(this.buffered.subarray(16, 16 + payload));
      this.buffered = this.buffered.subarray(16 + payload);
      this.pending.delete(handle);
      if (errno !== 0) p.reject(new NbdError(errno, 'request'));
      else p.resolve(data);
    }
  }

  private request(type: number, flags: number, offset: number, length: number, data?: Buffer): Promise<Buffer> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const handle = this.nextHandle++;
    const header = Buffer.alloc(28);
    header.writeUInt32BE(REQUEST_MAGIC, 0);
    header.writeUInt16BE(flags, 4);
    header.writeUInt16BE(type, 6);
    header.writeBigUInt64BE(handle, 8);
    header.writeBigUInt64BE(BigInt(offset), 16);
    header.writeUInt32BE(length, 24);
    const done = new Promise<Buffer>((resolve, reject) => {
      this.pending.set(handle, { readLength: type === CMD.read ? length : 0, resolve, reject });
    });
    this.socket.write(data ? Buffer.concat([header, data]) : header);
    return done;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    return this.request(CMD.read, 0, offset, length);
  }

  async write(offset: number, data: Buffer, fua = false): Promise<void> {
    await this.request(CMD.write, fua ? CMD_FLAG_FUA : 0, offset, data.length, data);
  }

  async flush(): Promise<void> {
    await this.request(CMD.flush, 0, 0, 0);
  }

  /** Reads a range in pieces of at most 4 MiB. */
  async readRange(offset: number, length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let at = offset; at < offset + length; at += 4 << 20) {
      parts.push(await this.read(at, Math.min(4 << 20, offset + length - at)));
    }
    return Buffer.concat(parts);
  }

  /** NBD_CMD_DISC, then close (or just close when the connection is already gone). */
  async close(): Promise<void> {
    if (!this.closedWith && this.pending.size === 0) {
      const header = Buffer.alloc(28);
      header.writeUInt32BE(REQUEST_MAGIC, 0);
      header.writeUInt16BE(CMD.disc, 6);
      this.socket.write(header);
    }
    this.closedWith ??= new Error('NBD connection closed by the client');
    await new Promise<void>((resolve) => this.socket.end(resolve));
    this.socket.destroy();
  }
}
