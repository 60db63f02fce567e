/**
 * A minimal hand-driven NBD client over a raw socket, for protocol and
 * hostile-input tests: every byte it sends is chosen by the test.
 */
import net, { type Socket } from 'node:net';
import {
  NBD_CMD_READ,
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_OPT_GO,
  NBD_OPT_SET_META_CONTEXT,
  NBD_OPT_STRUCTURED_REPLY,
  NBD_REP_META_CONTEXT,
  NBD_REP_ACK,
  NBD_REP_INFO,
  NBD_INFO_EXPORT,
  OPTION_REPLY_HEADER_LENGTH,
  SERVER_GREETING_LENGTH,
  SIMPLE_REPLY_LENGTH,
  decodeOptionReplyHeader,
  decodeSimpleReply,
  encodeInfoRequest,
  encodeOptionHeader,
  encodeRequestHeader,
  isOptionReplyError,
  type RequestHeader,
} from '../protocol.js';
import { ByteReader } from '../reader.js';
import { encodeMetaContextRequest, decodeMetaContextReply } from '../meta-context.js';
import {
  NBD_REPLY_FLAG_DONE,
  STRUCTURED_REPLY_HEADER_LENGTH,
  decodeChunkHeader,
  type ChunkHeader,
} from '../structured.js';

export interface OptionReply {
  readonly option: number;
  readonly type: number;
  readonly data: Buffer;
}

export interface Reply {
  readonly error: number;
  readonly cookie: bigint;
  readonly magic: number;
}

export interface Chunk extends ChunkHeader {
  readonly payload: Buffer;
}

export class RawClient {
  readonly closed: Promise<void>;
  private readonly reader: ByteReader;

  private constructor(readonly socket: Socket) {
    this.reader = new ByteReader(socket, 64 * 1024 * 1024);
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(data: Buffer): void {
    this.socket.write(data);
  }

  read(n: number): Promise<Buffer> {
    return this.reader.read(n);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Reads the 18-byte greeting and answers with `clientFlags`. */
  async handshake(clientFlags = NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES): Promise<Buffer> {
    const greeting = await this.read(SERVER_GREETING_LENGTH);
    const flags = Buffer.alloc(4);
    flags.writeUInt32BE(clientFlags >>> 0);
    this.send(flags);
    return greeting;
  }

  sendOption(option: number, data: Buffer = Buffer.alloc(0)): void {
    this.send(Buffer.concat([encodeOptionHeader(option, data.length), data]));
  }

  async optionReply(): Promise<OptionReply> {
    const header = decodeOptionReplyHeader(await this.read(OPTION_REPLY_HEADER_LENGTH));
    const data = await this.read(header.length);
    return { option: header.option, type: header.type, data };
  }

  /** Replies up to and including the first ACK or error reply. */
  async optionReplies(): Promise<OptionReply[]> {
    const replies: OptionReply[] = [];
    for (;;) {
      const r = await this.optionReply();
      replies.push(r);
      if (r.type === NBD_REP_ACK || isOptionReplyError(r.type)) return replies;
    }
  }

  /** NBD_OPT_GO; resolves with the export size and flags, throws on an error reply. */
  async go(name: string, infos: number[] = []): Promise<{ size: bigint; flags: number; replies: OptionReply[] }> {
    this.sendOption(NBD_OPT_GO, encodeInfoRequest(name, infos));
    const replies = await this.optionReplies();
    const last = replies[replies.length - 1];
    if (!last || last.type !== NBD_REP_ACK) throw new Error(`GO failed with reply type 0x${last?.type.toString(16)}`);
    const exp = replies.find((r) => r.type === NBD_REP_INFO && r.data.readUInt16BE(0) === NBD_INFO_EXPORT);
    if (!exp) throw new Error('no NBD_INFO_EXPORT');
    return { size: exp.data.readBigUInt64BE(2), flags: exp.data.readUInt16BE(10), replies };
  }

  request(req: Partial<RequestHeader> & { type: number }, payload?: Buffer): void {
    const header = encodeRequestHeader({
      flags: 0,
      cookie: 0n,
      offset: 0n,
      length: payload?.length ?? 0,
      ...req,
    });
    this.send(payload ? Buffer.concat([header, payload]) : header);
  }

  async reply(): Promise<Reply> {
    return decodeSimpleReply(await this.read(SIMPLE_REPLY_LENGTH));
  }

  /** READ request + its reply; data only on success. */
  async readAt(offset: number, length: number, cookie = 1n): Promise<Reply & { data?: Buffer }> {
    this.request({ type: NBD_CMD_READ, cookie, offset: BigInt(offset), length });
    const r = await this.reply();
    return r.error === 0 ? { ...r, data: await this.read(length) } : r;
  }

  /** NBD_OPT_STRUCTURED_REPLY; resolves with the reply type. */
  async structuredReplies(): Promise<number> {
    this.sendOption(NBD_OPT_STRUCTURED_REPLY);
    return (await this.optionReply()).type;
  }

  /** NBD_OPT_SET_META_CONTEXT; resolves with the contexts selected (name → id) and the final reply type. */
  async setMetaContext(name: string, queries: string[]): Promise<{ contexts: Map<string, number>; type: number }> {
    this.sendOption(NBD_OPT_SET_META_CONTEXT, encodeMetaContextRequest(name, queries));
    const contexts = new Map<string, number>();
    const replies = await this.optionReplies();
    for (const r of replies.filter((x) => x.type === NBD_REP_META_CONTEXT)) {
      const { id, name: context } = decodeMetaContextReply(r.data);
      contexts.set(context, id);
    }
    return { contexts, type: replies[replies.length - 1]!.type };
  }

  /** One structured reply chunk (header and payload). */
  async chunk(): Promise<Chunk> {
    const header = decodeChunkHeader(await this.read(STRUCTURED_REPLY_HEADER_LENGTH));
    return { ...header, payload: await this.read(header.length) };
  }

  /** Chunks up to and including the one flagged DONE. */
  async structuredReply(): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    for (;;) {
      const c = await this.chunk();
      chunks.push(c);
      if ((c.flags & NBD_REPLY_FLAG_DONE) !== 0) return chunks;
    }
  }
}
