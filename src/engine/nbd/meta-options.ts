/**
 * NBD_OPT_STRUCTURED_REPLY, NBD_OPT_LIST_META_CONTEXT and
 * NBD_OPT_SET_META_CONTEXT. Both context options need structured replies
 * first (else NBD_REP_ERR_INVALID) and name an export that must exist
 * (else NBD_REP_ERR_UNKNOWN). SET replaces the selection even when it fails.
 */
import { BASE_ALLOCATION, decodeMetaContextRequest, encodeMetaContextReply, matchContexts } from './meta-context.js';
import {
  type HandshakeContext,
  type OptionSession,
  type Outcome,
  MAX_NAME_BYTES,
  closeExport,
  openExport,
  reply,
} from './option-support.js';
import {
  NBD_OPT_SET_META_CONTEXT,
  NBD_REP_ACK,
  NBD_REP_ERR_INVALID,
  NBD_REP_ERR_UNKNOWN,
  NBD_REP_META_CONTEXT,
  encodeOptionReply,
} from './protocol.js';

/** The id `base:allocation` gets when selected (ids are per connection and opaque to the client). */
export const ALLOCATION_CONTEXT_ID = 1;

export async function optStructuredReply(
  ctx: HandshakeContext,
  session: OptionSession,
  option: number,
  data: Buffer,
): Promise<Outcome> {
  if (data.length !== 0) return reply(ctx, option, NBD_REP_ERR_INVALID, 'NBD_OPT_STRUCTURED_REPLY takes no data');
  if (session.structuredReplies) return reply(ctx, option, NBD_REP_ERR_INVALID, 'structured replies already negotiated');
  session.structuredReplies = true;
  return reply(ctx, option, NBD_REP_ACK);
}

export async function optMetaContext(
  ctx: HandshakeContext,
  session: OptionSession,
  option: number,
  data: Buffer,
): Promise<Outcome> {
  const set = option === NBD_OPT_SET_META_CONTEXT;
  if (set) session.selected = undefined;
  if (!session.structuredReplies) {
    return reply(ctx, option, NBD_REP_ERR_INVALID, 'metadata contexts need NBD_OPT_STRUCTURED_REPLY first');
  }
  const request = decodeMetaContextRequest(data);
  if (!request || Buffer.byteLength(request.name, 'utf8') > MAX_NAME_BYTES) {
    return reply(ctx, option, NBD_REP_ERR_INVALID, 'malformed metadata context request');
  }
  const handle = await openExport(ctx, request.name);
  if (!handle) return reply(ctx, option, NBD_REP_ERR_UNKNOWN, `unknown export ${JSON.stringify(request.name)}`);
  closeExport(ctx, handle);
  const contexts = matchContexts(request.queries, !set);
  for (const name of contexts) {
    // LIST replies carry id 0 (reserved); SET assigns the id BLOCK_STATUS replies will use.
    const id = set ? ALLOCATION_CONTEXT_ID : 0;
    ctx.send(encodeOptionReply(option, NBD_REP_META_CONTEXT, encodeMetaContextReply(id, name)));
  }
  if (set && contexts.includes(BASE_ALLOCATION)) {
    session.selected = { exportName: request.name, allocationId: ALLOCATION_CONTEXT_ID };
  }
  return reply(ctx, option, NBD_REP_ACK);
}
