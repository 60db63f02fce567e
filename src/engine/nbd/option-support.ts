/**
 * What option handlers share: the connection context, the per-connection
 * negotiation state (`OptionSession`), outcomes, and the helpers to reply and
 * to open an export.
 */
import type { ExportHandle, ExportResolver } from '../block-device.js';
import { ConnectionClosedError } from './errors.js';
import { encodeOptionReply } from './protocol.js';
import type { ByteReader } from './reader.js';

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

/** Metadata contexts selected by the last NBD_OPT_SET_META_CONTEXT, for `exportName`. */
export interface SelectedContexts {
  readonly exportName: string;
  readonly allocationId: number;
}

/** What the client agreed to so far. */
export interface OptionSession {
  readonly fixedNewstyle: boolean;
  readonly noZeroes: boolean;
  structuredReplies: boolean;
  selected: SelectedContexts | undefined;
}

export interface NegotiatedExport {
  readonly name: string;
  readonly handle: ExportHandle;
  readonly structuredReplies: boolean;
  /** Id of `base:allocation` if it was selected for this very export. */
  readonly allocationContextId: number | undefined;
}

export type Outcome =
  | { readonly kind: 'continue' }
  | { readonly kind: 'abort' }
  | { readonly kind: 'go'; readonly name: string; readonly handle: ExportHandle };

export type OptionHandler = (ctx: HandshakeContext, session: OptionSession, option: number, data: Buffer) =>
  Promise<Outcome>;

export const CONTINUE: Outcome = { kind: 'continue' };
export const ABORT: Outcome = { kind: 'abort' };

/** The protocol's limit on strings such as export names. */
export const MAX_NAME_BYTES = 4096;

export function reply(ctx: HandshakeContext, option: number, type: number, message?: string): Outcome {
  ctx.send(encodeOptionReply(option, type, message === undefined ? undefined : Buffer.from(message, 'utf8')));
  return CONTINUE;
}

/** Opens `name`; undefined if unknown or the resolver failed. Releases at once if the connection died meanwhile. */
export async function openExport(ctx: HandshakeContext, name: string): Promise<ExportHandle | undefined> {
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

/** Releases a handle opened only to answer an option (INFO, META_CONTEXT). */
export function closeExport(ctx: HandshakeContext, handle: ExportHandle): void {
  handle.release();
  ctx.using(undefined);
}
