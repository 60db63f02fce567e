/**
 * Newstyle-fixed handshake and option haggling. Ends with an export opened for
 * transmission (NBD_OPT_GO / NBD_OPT_EXPORT_NAME), with `undefined` when the
 * client aborted, or throws ProtocolViolationError when the connection must be
 * dropped. Options are dispatched through a table keyed by option number, with
 * per-connection state in `OptionSession`, so structured replies and metadata
 * contexts can be added as further handlers later.
 */
import type { ExportHandle, ExportResolver } from '../block-device.js';
import { ConnectionClosedError, ProtocolViolationError } from './errors.js';
import {
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_FLAG_FIXED_NEWSTYLE,
  NBD_FLAG_NO_ZEROES,
  NBD_INFO_NAME,
  NBD_OPTS_MAGIC,
  NBD_OPT_ABORT,
  NBD_OPT_EXPORT_NAME,
  NBD_OPT_GO,
  NBD_OPT_INFO,
  NBD_OPT_LIST,
  NBD_REP_ACK,
  NBD_REP_ERR_INVALID,
  NBD_REP_ERR_POLICY,
  NBD_REP_ERR_UNKNOWN,
  NBD_REP_ERR_UNSUP,
  NBD_REP_INFO,
  NBD_REP_SERVER,
  OPTION_HEADER_LENGTH,
  decodeInfoRequest,
  decodeOptionHeader,
  encodeExportNameReply,
  encodeInfoBlockSize,
  encodeInfoExport,
  encodeInfoName,
  encodeOptionReply,
  encodeServerEntry,
  encodeServerGreeting,
} from './protocol.js';
import type { ByteReader } from './reader.js';
import { transmissionFlags } from './transmission.js';

/** Option data longer than this is treated as hostile: the connection is dropped. */
export const MAX_OPTION_LENGTH = 64 * 1024;
/** The protocol's limit on strings such as export names. */
export const MAX_NAME_BYTES = 4096;
export const PREFERRED_BLOCK_SIZE = 4096;

export interface HandshakeContext {
  readonly reader: ByteReader;
  /** Queues bytes on the socket. */
  send(data: Buffer): void;
  readonly resolver: ExportResolver;
  readonly maxPayload: number;
  readonly log: (msg: string) => void;
  /**
   * The export this connection is opening or using (undefined: none), set
   * before the open so that disconnecting that export reaches this connection.
   */
  using(name: string | undefined): void;
  /** True once the connection has been dropped (then an opened handle is released at once). */
  isClosed(): boolean;
}

export interface NegotiatedExport {
  readonly name: string;
  readonly handle: ExportHandle;
}

/** What the client agreed to; later extensions (structured replies, meta contexts) add fields here. */
interface OptionSession {
  readonly fixedNewstyle: boolean;
  readonly noZeroes: boolean;
}

type Outcome = { readonly kind: 'continue' } | { readonly kind: 'abort' } | ({ readonly kind: 'go' } & NegotiatedExport);
type OptionHandler = (ctx: HandshakeContext, session: OptionSession, option: number, data: Buffer) => Promise<Outcome>;

const CONTINUE: Outcome = { kind: 'continue' };
const ABORT: Outcome = { kind: 'abort' };

const HANDLERS: ReadonlyMap<number, OptionHandler> = new Map<number, OptionHandler>([
  [NBD_OPT_EXPORT_NAME, optExportName],
  [NBD_OPT_ABORT, optAbort],
  [NBD_OPT_LIST, optList],
  [NBD_OPT_INFO, optInfoOrGo],
  [NBD_OPT_GO, optInfoOrGo],
]);

export async function negotiate(ctx: HandshakeContext): Promise<NegotiatedExport | undefined> {
  ctx.send(encodeServerGreeting(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES));
  const clientFlags = (await ctx.reader.read(4)).readUInt32BE(0);
  if ((clientFlags & ~(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) !== 0) {
    throw new ProtocolViolationError(`unknown client flags 0x${clientFlags.toString(16)}`);
  }
  const session: OptionSession = {
    fixedNewstyle: (clientFlags & NBD_FLAG_C_FIXED_NEWSTYLE) !== 0,
    noZeroes: (clientFlags & NBD_FLAG_C_NO_ZEROES) !== 0,
  };
  for (;;) {
    const outcome = await haggleOne(ctx, session);
    if (outcome.kind === 'abort') return undefined;
    if (outcome.kind === 'go') return { name: outcome.name, handle: outcome.handle };
  }
}

async function haggleOne(ctx: HandshakeContext, session: OptionSession): Promise<Outcome> {
  const header = decodeOptionHeader(await ctx.reader.read(OPTION_HEADER_LENGTH));
  if (header.magic !== NBD_OPTS_MAGIC) {
    throw new ProtocolViolationError(`bad option magic 0x${header.magic.toString(16)}`);
  }
  if (header.length > MAX_OPTION_LENGTH) {
    throw new ProtocolViolationError(`option ${header.option} with ${header.length} bytes of data`);
  }
  const data = await ctx.reader.read(header.length);
  const handler = HANDLERS.get(header.option);
  if (!session.fixedNewstyle && header.option !== NBD_OPT_EXPORT_NAME) {
    // A non-fixed client cannot parse option replies: all we may do is hang up.
    throw new ProtocolViolationError(`option ${header.option} from a non-fixed-newstyle client`);
  }
  if (!handler) {
    // STARTTLS, STRUCTURED_REPLY, LIST/SET_META_CONTEXT, EXTENDED_HEADERS, and anything unknown.
    return reply(ctx, header.option, NBD_REP_ERR_UNSUP, `option ${header.option} is not supported`);
  }
  return handler(ctx, session, header.option, data);
}

function reply(ctx: HandshakeContext, option: number, type: number, message?: string): Outcome {
  ctx.send(encodeOptionReply(option, type, message === undefined ? undefined : Buffer.from(message, 'utf8')));
  return CONTINUE;
}

/** Opens `name`; undefined if unknown or the resolver failed. Releases at once if the connection died meanwhile. */
async function openExport(ctx: HandshakeContext, name: string): Promise<ExportHandle | undefined> {
  ctx.using(name);
  let handle: ExportHandle | undefined;
  try {
    handle = await ctx.resolver.open(name);
  } catch (err) {
    ctx.log(`nbd: opening export ${JSON.stringify(name)} failed: ${String(err)}`);
  }
  if (!handle) ctx.using(undefined);
  if (handle && ctx.isClosed()) {
    handle.release();
    throw new ConnectionClosedError('connection closed while the export was being opened');
  }
  return handle;
}

async function optExportName(ctx: HandshakeContext, session: OptionSession, _option: number, data: Buffer): Promise<Outcome> {
  const name = data.toString('utf8');
  const handle = data.length <= MAX_NAME_BYTES ? await openExport(ctx, name) : undefined;
  if (!handle) {
    // This option cannot carry an error: the protocol says to hang up.
    ctx.log(`nbd: NBD_OPT_EXPORT_NAME for unknown export ${JSON.stringify(name)}; closing`);
    return ABORT;
  }
  ctx.send(encodeExportNameReply(handle.device.size, transmissionFlags(handle.readOnly), session.noZeroes));
  return { kind: 'go', name, handle };
}

async function optAbort(ctx: HandshakeContext, _session: OptionSession, option: number): Promise<Outcome> {
  reply(ctx, option, NBD_REP_ACK);
  return ABORT;
}

async function optList(ctx: HandshakeContext, _session: OptionSession, option: number, data: Buffer): Promise<Outcome> {
  if (data.length !== 0) return reply(ctx, option, NBD_REP_ERR_INVALID, 'NBD_OPT_LIST takes no data');
  let names: string[] | null;
  try {
    names = await ctx.resolver.list();
  } catch (err) {
    ctx.log(`nbd: listing exports failed: ${String(err)}`);
    names = null;
  }
  if (names === null) return reply(ctx, option, NBD_REP_ERR_POLICY, 'listing exports is not allowed');
  for (const name of names) ctx.send(encodeOptionReply(option, NBD_REP_SERVER, encodeServerEntry(name)));
  return reply(ctx, option, NBD_REP_ACK);
}

/** NBD_OPT_INFO describes an export; NBD_OPT_GO describes it and enters transmission. */
async function optInfoOrGo(ctx: HandshakeContext, _session: OptionSession, option: number, data: Buffer): Promise<Outcome> {
  const request = decodeInfoRequest(data);
  if (!request || Buffer.byteLength(request.name, 'utf8') > MAX_NAME_BYTES) {
    return reply(ctx, option, NBD_REP_ERR_INVALID, 'malformed NBD_OPT_INFO/NBD_OPT_GO data');
  }
  const handle = await openExport(ctx, request.name);
  if (!handle) return reply(ctx, option, NBD_REP_ERR_UNKNOWN, `unknown export ${JSON.stringify(request.name)}`);
  // The server may send information the client did not ask for; the block size
  // (minimum 1, so no alignment demands) lets clients size their requests.
  if (request.infos.includes(NBD_INFO_NAME)) {
    ctx.send(encodeOptionReply(option, NBD_REP_INFO, encodeInfoName(request.name)));
  }
  const blockSize = encodeInfoBlockSize(1, Math.min(PREFERRED_BLOCK_SIZE, ctx.maxPayload), ctx.maxPayload);
  ctx.send(encodeOptionReply(option, NBD_REP_INFO, blockSize));
  const info = encodeInfoExport(handle.device.size, transmissionFlags(handle.readOnly));
  ctx.send(encodeOptionReply(option, NBD_REP_INFO, info));
  reply(ctx, option, NBD_REP_ACK);
  if (option === NBD_OPT_GO) return { kind: 'go', name: request.name, handle };
  handle.release();
  ctx.using(undefined);
  return CONTINUE;
}
