/**
 * A deliberately small NBD client for the hostile-input suite, written from the protocol document
 * (github.com/NetworkBlockDevice/nbd, doc/proto.md) rather than from the server's own codec, so a bug shared by
 * both could not hide. Every byte is chosen by the test.
 */
import { connect, type Socket } from 'node:net';

export const OPTS_MAGIC = 0x49484156454f5054n; // "IHAVEOPT"
export const REP_MAGIC = 0x3e889045565a9n;
export const REQUEST_MAGIC = 0x25609513;
export const SIMPLE_REPLY_MAGIC = 0x67446698;
export const OPT = { EXPORT_NAME: 1, ABORT: 2, LIST: 3, INFO: 6, GO: 7 } as const;
export const REP = { ACK: 1, INFO: 3, ERR_UNSUP: 0x80000001, ERR_POLICY: 0x80000002, ERR_INVALID: 0x80000003,
  ERR_UNKNOWN: 0x80000006 } as const;
export const CMD = { READ: 0, WRITE: 1, DISC: 2, FLUSH: 3, TRIM: 4, CACHE: 5, WRITE_ZEROES: 6, BLOCK_STATUS: 7 } as const;
export const ERRNO = { EPERM: 1, EIO: 5, ENOMEM: 12, EINVAL: 22, ENOSPC: 28, EOVERFLOW: 75, ENOTSUP: 95, ESHUTDOWN: 108 };

/** A socket with exact-length reads; `read` rejects once the server closed before sending enough. */
export class NbdWire {
  readonly closed: Promise<void>;
  private buffered = Buffer.alloc(0);
  private isClosed = false;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: Socket) {
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => { this.buffered = Buffer.concat([this.buffered, d]); this.wake?.(); });
    this.closed = new Promise((resolve) => socket.once('close', () => { this.isClosed = true; this.wake?.(); resolve(); }));
  }

  static open(port: number): Promise<NbdWire> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      const wire = new NbdWire(s);
      s.once('connect', () => resolve(wire)).once('error', reject);
    });
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.isClosed) throw new Error(`closed after ${this.buffered.length} of ${n} bytes`);
      await new Promise<void>((r) => { this.wake = r; });
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  write(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The server's greeting (NBDMAGIC, IHAVEOPT, 16-bit flags), then our client flags. */
  async greet(clientFlags = 3): Promise<number> {
    const g = await this.read(18);
    if (g.subarray(0, 8).toString('latin1') !== 'NBDMAGIC' || g.readBigUInt64BE(8) !== OPTS_MAGIC) throw new Error('bad greeting');
    this.write(u32(clientFlags));
    return g.readUInt16BE(16);
  }

  option(option: number, data: Buffer = Buffer.alloc(0), magic = OPTS_MAGIC, length = data.length): void {
    const h = Buffer.alloc(16);
    h.writeBigUInt64BE(magic, 0);
    h.writeUInt32BE(option, 8);
    h.writeUInt32BE(length, 12);
    this.write(Buffer.concat([h, data]));
  }

  async optionReply(): Promise<{ option: number; type: number; data: Buffer }> {
    const h = await this.read(20);
    if (h.readBigUInt64BE(0) !== REP_MAGIC) throw new Error('bad option reply magic');
    const length = h.readUInt32BE(16);
    return { option: h.readUInt32BE(8), type: h.readUInt32BE(12), data: await this.read(length) };
  }

  /** NBD_OPT_GO on `name`; the replies until ACK or an error. Returns the export size, or the error type. */
  async go(name: string): Promise<{ size?: bigint; error?: number }> {
    this.option(OPT.GO, goData(name));
    let size: bigint | undefined;
    for (;;) {
      const r = await this.optionReply();
      if (r.type === REP.ACK) return { size };
      if (r.type >= 0x80000000) return { error: r.type };
      if (r.type === REP.INFO && r.data.readUInt16BE(0) === 0) size = r.data.readBigUInt64BE(2);
    }
  }

  request(type: number, cookie: bigint, offset: bigint, length: number, flags = 0, magic = REQUEST_MAGIC): void {
    const h = Buffer.alloc(28);
    h.writeUInt32BE(magic, 0);
    h.writeUInt16BE(flags, 4);
    h.writeUInt16BE(type, 6);
    h.writeBigUInt64BE(cookie, 8);
    h.writeBigUInt64BE(offset, 16);
    h.writeUInt32BE(length, 24);
    this.write(h);
  }

  async simpleReply(): Promise<{ error: number; cookie: bigint }> {
    const h = await this.read(16);
    if (h.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) throw new Error(`bad reply magic ${h.readUInt32BE(0).toString(16)}`);
    return { error: h.readUInt32BE(4), cookie: h.readBigUInt64BE(8) };
  }
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** GO/INFO option data: name length, name, no information requests. */
export function goData(name: string): Buffer {
  const n = Buffer.from(name, 'utf8');
  return Buffer.concat([u32(n.length), n, Buffer.alloc(2)]);
}
