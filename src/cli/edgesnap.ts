#!/usr/bin/env node
/**
 * The `edgesnap` command. `edgesnap serve [--data-dir DIR] [--listen HOST:PORT]
 * [--nbd-listen HOST:PORT] [--snapshot-id-format array|string]`; `edgesnap admin …`
 * talks to the operator API of a running server (admin.ts).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEdgesnap, type HostPort } from '../main.js';
import { admin } from './admin.js';

const USAGE = `usage: edgesnap serve [options] | edgesnap admin --help
  --data-dir DIR                 where metadata, disks and chunks live (default ./data)
  --listen HOST:PORT             API listener (default 127.0.0.1:8787)
  --nbd-listen HOST:PORT         NBD listener (default 127.0.0.1:10809)
  --snapshot-id-format FORMAT    CreateSnapshot's SnapShotId: array (default, as the SDKs) or string
  --chunk-size BYTES             chunk size of the block engine (power of two, 64 KiB-4 MiB; default 64 KiB)
  --compression-level N          zstd level for new chunks, 0 (off) to 19 (default 1; kept raw when not smaller)
  --gc-safety-margin SECONDS     garbage collection spares chunks written or reused this recently (default 300);
                                 smaller values risk deleting a chunk a slow writer is about to reference (the
                                 margin covers writers beyond the pins held for jobs in flight): for tests only
environment: EDGESNAP_ROOT_ACCESS_KEY_ID / EDGESNAP_ROOT_ACCESS_KEY_SECRET seed the root account's key;
  EDGESNAP_ADMIN_TOKEN sets the admin API's token (else one is generated into DIR/admin-token)`;

export function parseHostPort(value: string, flag: string): HostPort {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`${flag} wants HOST:PORT, got ${JSON.stringify(value)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Seconds (≥ 0, fractions allowed) as milliseconds; undefined when the flag is absent. */
export function parseSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(seconds)) throw new Error(`${flag} wants a number of seconds >= 0, got ${JSON.stringify(value)}`);
  return Math.round(seconds * 1000);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: './data' },
      listen: { type: 'string', default: '127.0.0.1:8787' },
      'nbd-listen': { type: 'string', default: '127.0.0.1:10809' },
      'snapshot-id-format': { type: 'string', default: 'array' },
      'chunk-size': { type: 'string' },
      'compression-level': { type: 'string' },
      'gc-safety-margin': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const format = values['snapshot-id-format'];
  if (format !== 'array' && format !== 'string') throw new Error('--snapshot-id-format is array or string');
  const id = process.env.EDGESNAP_ROOT_ACCESS_KEY_ID;
  const secret = process.env.EDGESNAP_ROOT_ACCESS_KEY_SECRET;
  if ((id && !secret) || (!id && secret)) {
    throw new Error('set both EDGESNAP_ROOT_ACCESS_KEY_ID and EDGESNAP_ROOT_ACCESS_KEY_SECRET, or neither');
  }
  const dataDir = resolve(values['data-dir']!);
  const running = await startEdgesnap({
    dataDir,
    listen: parseHostPort(values.listen!, '--listen'),
    nbdListen: parseHostPort(values['nbd-listen']!, '--nbd-listen'),
    snapshotIdFormat: format,
    rootKey: id && secret ? { id, secret } : undefined,
    adminToken: process.env.EDGESNAP_ADMIN_TOKEN || undefined,
    chunkSize: values['chunk-size'] ? Number(values['chunk-size']) : undefined,
    compressionLevel: values['compression-level'] ? Number(values['compression-level']) : undefined,
    gcSafetyMarginMs: parseSeconds(values['gc-safety-margin'], '--gc-safety-margin'),
    log: (msg) => console.error(msg),
  });
  const lines = [
    `edgesnap is serving the ENS API (2017-11-10) at http://${running.api.host}:${running.api.port}/`,
    `disks are NBD exports at nbd://${running.nbd.host}:${running.nbd.port}/<DiskId>`,
    `data directory: ${dataDir}`,
    ...(running.generatedSecret
      ? [`root AccessKey generated: AccessKeyId ${running.accessKeyId}  AccessKeySecret ${running.generatedSecret}`,
        `(shown once; also saved with mode 0600 in ${running.credentialsFile})`]
      : [`root AccessKeyId ${running.accessKeyId} (secret: from EDGESNAP_ROOT_ACCESS_KEY_SECRET or ${dataDir}/credentials.json)`]),
    `admin API at http://${running.api.host}:${running.api.port}/admin/v1/ (bearer token: ${
      running.adminTokenFile ?? 'EDGESNAP_ADMIN_TOKEN'}; see edgesnap admin --help)`,
  ];
  console.log(lines.join('\n')); // one write: whoever waits for the first line gets them all
  const shutdown = (): void => {
    console.log('edgesnap: shutting down');
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  if (command === 'admin') return admin(rest);
  console.log(USAGE);
  if (command !== undefined && command !== '--help' && command !== '-h') process.exitCode = 2;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`edgesnap: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
