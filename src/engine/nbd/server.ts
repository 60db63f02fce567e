/**
 * edgesnap's NBD server (newstyle fixed; simple or structured replies) over node:net. One
 * `Connection` per socket runs the handshake, then the transmission phase, and
 * releases the export handle exactly once however the connection ends.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import type { ExportHandle, ExportResolver } from '../block-device.js';
import { ConnectionClosedError } from './errors.js';
import { negotiate } from './handshake.js';
import { ByteReader } from './reader.js';
import {
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_IN_FLIGHT_BYTES,
  DEFAULT_MAX_PAYLOAD,
  serveTransmission,
  type TransmissionLimits,
} from './transmission.js';

export interface NbdServerOptions {
  /** Largest READ/WRITE payload in bytes (NBD_INFO_BLOCK_SIZE maximum); 4 KiB..1 GiB, default 32 MiB. */
  maxPayload?: number;
  log?: (msg: string) => void;
}

const MIN_MAX_PAYLOAD = 4096;
const MAX_MAX_PAYLOAD = 1024 * 1024 * 1024;

export class NbdServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly limits: TransmissionLimits;
  private readonly log: (msg: string) => void;
  private closing = false;

  constructor(
    private readonly resolver: ExportResolver,
    options: NbdServerOptions = {},
  ) {
    const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(maxPayload) || maxPayload < MIN_MAX_PAYLOAD || maxPayload > MAX_MAX_PAYLOAD) {
      throw new RangeError(`maxPayload must be an integer in [${MIN_MAX_PAYLOAD}, ${MAX_MAX_PAYLOAD}]`);
    }
    this.limits = {
      maxPayload,
      maxInFlight: DEFAULT_MAX_IN_FLIGHT,
      maxInFlightBytes: Math.max(DEFAULT_MAX_IN_FLIGHT_BYTES, 2 * maxPayload),
    };
    this.log = options.log ?? (() => undefined);
    this.server = net.createServer((socket) => this.accept(socket));
  }

  /** Starts listening; port 0 picks an ephemeral port. Resolves with the bound address. */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const address = this.server.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** Drops every connection using (or opening) export `name`. */
  disconnectExport(name: string): void {
    for (const connection of this.connections) {
      if (connection.exportName === name) connection.drop();
    }
  }

  /** Stops listening, drops every connection and resolves once their handles are released. */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const finishing = [...this.connections].map((connection) => {
      connection.drop();
      return connection.finished;
    });
    await Promise.allSettled(finishing);
    await stopped;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.resolver, this.limits, this.log);
    this.connections.add(connection);
    void connection.finished.then(() => this.connections.delete(connection));
  }
}

class Connection {
  /** The export this connection is opening or serving. */
  exportName: string | undefined;
  readonly finished: Promise<void>;
  private readonly reader: ByteReader;
  private readonly peer: string;
  private dropped = false;

  constructor(
    private readonly socket: Socket,
    private readonly resolver: ExportResolver,
    private readonly limits: TransmissionLimits,
    private readonly log: (msg: string) => void,
  ) {
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.log(`nbd: ${this.peer}: socket error: ${err.message}`));
    this.reader = new ByteReader(socket);
    this.finished = this.run();
  }

  drop(): void {
    this.dropped = true;
    this.socket.destroy();
  }

  private async run(): Promise<void> {
    let handle: ExportHandle | undefined;
    try {
      const chosen = await negotiate({
        reader: this.reader,
        send: (data) => void this.socket.write(data),
        resolver: this.resolver,
        maxPayload: this.limits.maxPayload,
        log: this.log,
        using: (name) => (this.exportName = name),
        isClosed: () => this.dropped || this.socket.destroyed,
      });
      if (chosen) {
        handle = chosen.handle;
        await serveTransmission({
          socket: this.socket,
          reader: this.reader,
          handle,
          limits: this.limits,
          session: { structuredReplies: chosen.structuredReplies, allocationContextId: chosen.allocationContextId },
          log: this.log,
        });
      }
      await endGracefully(this.socket); // after NBD_OPT_ABORT or NBD_CMD_DISC
    } catch (err) {
      if (!(err instanceof ConnectionClosedError)) this.log(`nbd: ${this.peer}: dropping connection: ${String(err)}`);
    } finally {
      this.socket.destroy();
      this.release(handle);
    }
  }

  private release(handle: ExportHandle | undefined): void {
    try {
      handle?.release();
    } catch (err) {
      this.log(`nbd: ${this.peer}: releasing export ${JSON.stringify(this.exportName)} failed: ${String(err)}`);
    }
  }
}

/** Flushes queued bytes, sends FIN and waits for the socket to finish. */
function endGracefully(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.end(() => resolve());
  });
}
