/**
 * `edgesnap admin …`: a client of the operator API (`/admin/v1/`) of a running edgesnap. The token is
 * EDGESNAP_ADMIN_TOKEN, or the `admin-token` file the server wrote into its data directory.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OPERATOR_USAGE, operatorRequest, type AdminCliRequest } from './admin-operator.js';

export const ADMIN_USAGE = `usage: edgesnap admin [--endpoint URL] [--data-dir DIR] [--json] COMMAND
  instances create --region REGION [--name NAME] [--account ACCOUNT_ID]
                                  register an instance (Running); prints its id
  instances list                  every instance that is not deleted
  instances start ID | stop ID    set an instance Running / Stopped
  instances delete ID             delete an instance (refused while disks are attached)
${OPERATOR_USAGE}
options:
  --endpoint URL   the server (default http://127.0.0.1:8787)
  --data-dir DIR   where the server keeps admin-token (default ./data)
  --json           print the server's JSON answer
environment: EDGESNAP_ADMIN_TOKEN overrides the admin-token file`;

type Request = AdminCliRequest;

type Instance = { InstanceId: string; Status: string; EnsRegionId: string; AccountId: string; InstanceName: string };

export async function admin(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      endpoint: { type: 'string', default: 'http://127.0.0.1:8787' },
      'data-dir': { type: 'string', default: './data' },
      region: { type: 'string' },
      name: { type: 'string' },
      account: { type: 'string' },
      id: { type: 'string' },
      action: { type: 'string' },
      disk: { type: 'string' },
      snapshot: { type: 'string' },
      error: { type: 'string' },
      arg: { type: 'string', multiple: true },
      latency: { type: 'string' },
      probability: { type: 'string' },
      count: { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      actions: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) return void console.log(ADMIN_USAGE);
  const req = operatorRequest(positionals, values) ?? request(positionals, values);
  const token = process.env.EDGESNAP_ADMIN_TOKEN || await readToken(values['data-dir']!);
  const res = await fetch(new URL(`/admin/v1${req.path}`, values.endpoint), {
    method: req.method,
    headers: { authorization: `Bearer ${token}`, ...(req.body ? { 'content-type': 'application/json' } : {}) },
    body: req.body ? JSON.stringify(req.body) : undefined,
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${values.endpoint} answered HTTP ${res.status} without JSON: is it edgesnap?`);
  }
  if (!res.ok) throw new Error(`${String(body.Code)} (HTTP ${res.status}): ${String(body.Message)}`);
  console.log(values.json || positionals[0] === 'call' ? JSON.stringify(body, null, 2) : req.show(body));
}

function request(args: string[], opts: { region?: string; name?: string; account?: string }): Request {
  const [noun, verb, id, ...extra] = args;
  const one = (i: Record<string, unknown>): string => {
    const x = i.Instance as Instance;
    return `${x.InstanceId}\t${x.Status}`;
  };
  if (noun !== 'instances') throw new Error(`unknown admin command ${JSON.stringify(noun)}\n${ADMIN_USAGE}`);
  if (verb === 'create' && id === undefined) {
    if (!opts.region) throw new Error('instances create needs --region REGION');
    const body: Record<string, string> = { regionId: opts.region };
    if (opts.name !== undefined) body.name = opts.name;
    if (opts.account !== undefined) body.accountId = opts.account;
    return { method: 'POST', path: '/instances', body, show: (b) => (b.Instance as Instance).InstanceId };
  }
  if (verb === 'list' && id === undefined) {
    return {
      method: 'GET', path: '/instances',
      show: (b) => (b.Instances as Instance[])
        .map((i) => [i.InstanceId, i.Status, i.EnsRegionId, i.AccountId, i.InstanceName].join('\t')).join('\n'),
    };
  }
  if ((verb === 'start' || verb === 'stop' || verb === 'delete') && id !== undefined && extra.length === 0) {
    const path = `/instances/${encodeURIComponent(id)}`;
    if (verb === 'delete') return { method: 'DELETE', path, show: () => `${id}\tdeleted` };
    return { method: 'POST', path: `${path}/${verb}`, show: one };
  }
  throw new Error(`bad admin command: ${args.join(' ')}\n${ADMIN_USAGE}`);
}

async function readToken(dataDir: string): Promise<string> {
  const file = join(resolve(dataDir), 'admin-token');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new Error(`cannot read the admin token in ${file} (${(err as Error).message}); set EDGESNAP_ADMIN_TOKEN or --data-dir`);
  }
}
