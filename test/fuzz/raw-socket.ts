/** Raw HTTP over a TCP socket, for requests no HTTP client would send (the hostile-input suites). */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Answer } from './wire.js';

export interface Exchange {
  /** Everything the server sent before closing. */
  text: string;
  /** The server closed (not our safety timeout). */
  closed: boolean;
  /** Milliseconds from connect to close. */
  ms: number;
}

/**
 * Connects, lets `talk` write (it may dribble, or destroy the socket), and collects what the server sends until
 * it closes the connection, or `limitMs` passes (then `closed` is false). Write errors (the server closing while
 * we still send a body it refused) are expected and ignored.
 */
export function exchange(port: number, talk: (s: Socket) => Promise<void> | void, limitMs = 30_000): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    let text = '';
    let done = false;
    const socket = connect(port, '127.0.0.1');
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), limitMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { text += d; });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      Promise.resolve(talk(socket)).catch(() => undefined);
    });
  });
}

/** Writes `data` one byte every `everyMs` while the socket is open. */
export async function dribble(s: Socket, data: string, everyMs: number): Promise<void> {
  for (const byte of Buffer.from(data, 'latin1')) {
    if (s.destroyed || !s.writable) return;
    s.write(Buffer.from([byte]));
    await sleep(everyMs);
  }
}

/** The first response in `text`: status, content-type and body (by content-length). */
export function parseResponse(text: string): Answer {
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1];
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 'NaN');
  const rest = Buffer.from(text.slice(head.length + 4), 'latin1');
  const body = (Number.isNaN(length) ? rest : rest.subarray(0, length)).toString('utf8');
  return { status, contentType, body };
}

export function httpRequest(method: string, url: string, headers: Readonly<Record<string, string>>, body = ''): string {
  const all = { host: '127.0.0.1', connection: 'close', ...headers };
  if (body !== '' && !('transfer-encoding' in all)) Object.assign(all, { 'content-length': String(Buffer.byteLength(body)) });
  return `${method} ${url} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}
