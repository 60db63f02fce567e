/**
 * Newstyle-fixed handshake and option haggling. Ends with an export opened for
 * transmission (NBD_OPT_GO / NBD_OPT_EXPORT_NAME) together with what was
 * negotiated (structured replies, metadata context), with `undefined` when the
 * client aborted, or throws ProtocolViolationError when the connection must be
 * dropped. Options are dispatched through a table keyed by option number, with
 * per-connection state in `OptionSession` (option-support.ts).
 */
import type { ExportHandle } from '../block-device.js';
import { ProtocolViolationError } from './errors.js';
import { optMetaContext, optStructuredReply } from './meta-options.js';
import {
  ABORT,
  CONTINUE,
  MAX_NAME_BYTES,
  closeExport,
  openExport,
  reply,
  type HandshakeContext,
  type NegotiatedExport,
  type OptionHandler,
  type OptionSession,
  type Outcome,
} from './option-support.js';
import {
  NBD_FLAG_C_FIXED_NEWSTYLE,
  NBD_FLAG_C_NO_ZEROES,
  NBD_FLAG_FIXED_NEWSTYLE,
  NBD_FLAG_NO_ZEROES,
  NBD_INFO_DESCRIPTION,
  NBD_INFO_NAME,
  NBD_OPTS_MAGIC,
  NBD_OPT_ABORT,
  NBD_OPT_EXPORT_NAME,
  NBD_OPT_GO,
  NBD_OPT_INFO,
  NBD_OPT_LIST,
  NBD_OPT_LIST_META_CONTEXT,
  NBD_OPT_SET_META_CONTEXT,
  NBD_OPT_STRUCTURED_REPLY,
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
import { transmissionFlags } from './validate.js';

export type { HandshakeContext, NegotiatedExport } from './option-support.js';
export { MAX_NAME_BYTES } from './option-support.js';

/** Option data longer than this is treated as hostile: the connection is dropped. */
export const MAX_OPTION_LENGTH = 64 * 1024;
export const PREFERRED_BLOCK_SIZE = 4096;

const HANDLERS: ReadonlyMap<number, OptionHandler> = new Map<number, OptionHandler>([
  [NBD_OPT_EXPORT_NAME, optExportName],
  [NBD_OPT_ABORT, optAbort],
  [NBD_OPT_LIST, optList],
  [NBD_OPT_INFO, optInfoOrGo],
  [NBD_OPT_GO, optInfoOrGo],
  [NBD_OPT_STRUCTURED_REPLY, optStructuredReply],
  [NBD_OPT_LIST_META_CONTEXT, optMetaContext],
  [NBD_OPT_SET_META_CONTEXT, optMetaContext],
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
    structuredReplies: false,
    selected: undefined,
  };
  for (;;) {
    const outcome = await haggleOne(ctx, session);
    if (outcome.kind === 'abort') return undefined;
    if (outcome.kind === 'go') {
      // Contexts count only if the last SET_META_CONTEXT named the export being entered.
      const selected = session.selected?.exportName === outcome.name ? session.selected : undefined;
      return {
        name: outcome.name,
        handle: outcome.handle,
        structuredReplies: session.structuredReplies,
        allocationContextId: selected?.allocationId,
      };
    }
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
    // STARTTLS, EXTENDED_HEADERS, and anything unknown.
    return reply(ctx, header.option, NBD_REP_ERR_UNSUP, `option ${header.option} is not supported`);
  }
  return handler(ctx, session, header.option, data);
}

function flagsFor(handle: ExportHandle, session: OptionSession): number {
  return transmissionFlags(handle.readOnly, {
    structuredReplies: session.structuredReplies,
    multiConn: handle.multiConn === true,
  });
}

async function optExportName(ctx: HandshakeContext, session: OptionSession, _option: number, data: Buffer): Promise<Outcome> {
  const name = data.toString('utf8');
  const handle = data.length <= MAX_NAME_BYTES ? await openExport(ctx, name) : undefined;
  if (!handle) {
    // This option cannot carry an error: the protocol says to hang up.
    ctx.log(`nbd: NBD_OPT_EXPORT_NAME for unknown export ${JSON.stringify(name)}; closing`);
    return ABORT;
  }
  ctx.send(encodeExportNameReply(handle.device.size, flagsFor(handle, session), session.noZeroes));
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

/** Payload of NBD_INFO_DESCRIPTION. */
function encodeInfoDescription(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8').subarray(0, MAX_NAME_BYTES);
  const buf = Buffer.alloc(2 + bytes.length);
  buf.writeUInt16BE(NBD_INFO_DESCRIPTION, 0);
  bytes.copy(buf, 2);
  return buf;
}

/** NBD_OPT_INFO describes an export; NBD_OPT_GO describes it and enters transmission. */
async function optInfoOrGo(ctx: HandshakeContext, session: OptionSession, option: number, data: Buffer): Promise<Outcome> {
  const request = decodeInfoRequest(data);
  if (!request || Buffer.byteLength(request.name, 'utf8') > MAX_NAME_BYTES) {
    return reply(ctx, option, NBD_REP_ERR_INVALID, 'malformed NBD_OPT_INFO/NBD_OPT_GO data');
  }
  const handle = await openExport(ctx, request.name);
  if (!handle) return reply(ctx, option, NBD_REP_ERR_UNKNOWN, `unknown export ${JSON.stringify(request.name)}`);
  const info = (payload: Buffer): void => ctx.send(encodeOptionReply(option, NBD_REP_INFO, payload));
  if (request.infos.includes(NBD_INFO_NAME)) info(encodeInfoName(request.name));
  if (request.infos.includes(NBD_INFO_DESCRIPTION) && handle.description !== undefined) {
    info(encodeInfoDescription(handle.description));
  }
  // Sent even unasked (the spec allows it): minimum 1 makes no alignment demand,
  // maximum is the largest READ/WRITE this server accepts.
  info(encodeInfoBlockSize(1, Math.min(PREFERRED_BLOCK_SIZE, ctx.maxPayload), ctx.maxPayload));
  info(encodeInfoExport(handle.device.size, flagsFor(handle, session)));
  reply(ctx, option, NBD_REP_ACK);
  if (option === NBD_OPT_GO) return { kind: 'go', name: request.name, handle };
  closeExport(ctx, handle);
  return CONTINUE;
}
