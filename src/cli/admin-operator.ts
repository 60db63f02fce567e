/**
 * The operator commands of `edgesnap admin` (issue #4): a generic `call`, fault rules, job settle modes,
 * seeded ids, reset-all-state, per-account throttle limits. Each command becomes one admin API request.
 */
export interface AdminCliRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
  /** Renders the success body for a human (`call` always prints the JSON). */
  show: (body: Record<string, unknown>) => string;
}

export interface OperatorFlags {
  id?: string;
  action?: string;
  region?: string;
  account?: string;
  disk?: string;
  snapshot?: string;
  error?: string;
  arg?: string[];
  latency?: string;
  probability?: string;
  count?: string;
  rate?: string;
  burst?: string;
  actions?: string;
}

export const OPERATOR_USAGE = `  call METHOD PATH [JSON]          any admin route (PATH below /admin/v1), prints the JSON answer
  faults add (--error CODE [--arg S]… | --latency MS) [--id ID] [--action A] [--region R]
             [--account ID] [--disk ID] [--snapshot ID] [--probability P] [--count N]
                                  add a fault rule; prints its id
  faults list | remove ID | clear the rules held
  jobs mode [immediate|realistic|manual]   show or set how jobs settle
  jobs settle                     run every queued job now; prints how many ran
  ids seed N                      ids from a seed from now on (reproducible runs)
  reset                           remove every account but root, every resource, job, rule and byte
  throttle get ACCOUNT_ID         the account's request-rate limits
  throttle set ACCOUNT_ID --rate R --burst B [--actions JSON]   set them (per AccessKey and action)
  throttle unset ACCOUNT_ID       back to the default`;

const json = (b: Record<string, unknown>): string => JSON.stringify(b, null, 2);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

type Command = (verb: string | undefined, arg: string | undefined, extra: string[], f: OperatorFlags) =>
  AdminCliRequest | undefined;

const COMMANDS: Readonly<Record<string, Command>> = {
  call: (verb, arg, extra) => {
    const method = verb?.toUpperCase();
    if (!METHODS.includes(method as (typeof METHODS)[number]) || arg === undefined || extra.length > 1) return undefined;
    const body = extra[0] === undefined ? undefined : parseJson(extra[0]);
    return { method: method as AdminCliRequest['method'], path: arg.startsWith('/') ? arg : `/${arg}`, body, show: json };
  },
  faults: (verb, arg, extra, f) => (extra.length > 0 ? undefined : faults(verb, arg, f)),
  jobs: (verb, arg, extra) => {
    if (extra.length > 0) return undefined;
    if (verb === 'settle' && arg === undefined) {
      return { method: 'POST', path: '/jobs/settle', show: (b) => `${String(b.Settled)} jobs run` };
    }
    if (verb !== 'mode') return undefined;
    if (arg === undefined) return { method: 'GET', path: '/jobs/mode', show: (b) => String(b.Mode) };
    return { method: 'PUT', path: '/jobs/mode', body: { mode: arg }, show: (b) => String(b.Mode) };
  },
  ids: (verb, arg, extra) => (verb !== 'seed' || arg === undefined || extra.length > 0 ? undefined
    : { method: 'POST', path: '/ids', body: { seed: Number(arg) }, show: (b) => `ids seeded with ${String(b.Seed)}` }),
  reset: (verb) => (verb !== undefined ? undefined
    : { method: 'POST', path: '/reset', show: () => 'reset: every account but root, every resource, job, rule and byte removed' }),
  throttle: (verb, arg, extra, f) => (arg === undefined || extra.length > 0 ? undefined : throttle(verb, arg, f)),
};

/** The request of an operator command, or undefined when `args` is not one. */
export function operatorRequest(args: string[], f: OperatorFlags): AdminCliRequest | undefined {
  const [noun, verb, arg, ...extra] = args;
  const command = noun === undefined ? undefined : COMMANDS[noun];
  return command?.(verb, arg, extra, f);
}

function faults(verb: string | undefined, arg: string | undefined, f: OperatorFlags): AdminCliRequest | undefined {
  if (verb === 'list' && arg === undefined) {
    return { method: 'GET', path: '/faults', show: (b) => (b.FaultRules as Record<string, unknown>[]).map(faultLine).join('\n') };
  }
  if (verb === 'remove' && arg !== undefined) {
    return { method: 'DELETE', path: `/faults/${encodeURIComponent(arg)}`, show: () => `${arg}\tremoved` };
  }
  if (verb === 'clear' && arg === undefined) {
    return { method: 'DELETE', path: '/faults', show: (b) => `${String(b.Removed)} rules removed` };
  }
  return verb === 'add' && arg === undefined ? addFault(f) : undefined;
}

function addFault(f: OperatorFlags): AdminCliRequest {
  if ((f.error === undefined) === (f.latency === undefined)) throw new Error('faults add needs --error CODE or --latency MS');
  const match = Object.fromEntries(Object.entries({
    action: f.action, regionId: f.region, accountId: f.account, diskId: f.disk, snapshotId: f.snapshot,
  }).filter(([, v]) => v !== undefined));
  const body: Record<string, unknown> = {
    effect: f.error !== undefined
      ? { kind: 'error', code: f.error, ...(f.arg?.length ? { args: f.arg } : {}) }
      : { kind: 'latency', ms: Number(f.latency) },
    ...(Object.keys(match).length ? { match } : {}),
  };
  if (f.id !== undefined) body.id = f.id;
  if (f.probability !== undefined) body.probability = Number(f.probability);
  if (f.count !== undefined) body.count = Number(f.count);
  return { method: 'POST', path: '/faults', body, show: (b) => String((b.FaultRule as Record<string, unknown>).Id) };
}

function faultLine(r: Record<string, unknown>): string {
  const m = Object.entries(r.Match as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
  const e = r.Effect as Record<string, unknown>;
  const effect = e.Kind === 'latency' ? `latency ${String(e.Ms)}ms` : `error ${String(e.Code)}`;
  return [r.Id, m.join(',') || '*', effect, `p=${String(r.Probability)}`, `left=${String(r.Remaining ?? '∞')}`, `fired=${String(r.Fired)}`].join('\t');
}

function throttle(verb: string | undefined, account: string, f: OperatorFlags): AdminCliRequest | undefined {
  const path = `/accounts/${encodeURIComponent(account)}/throttle`;
  const show = (b: Record<string, unknown>): string => {
    const t = b.Throttle as Record<string, unknown>;
    const actions = Object.entries(t.Actions as Record<string, { RatePerSecond: number; Burst: number }>)
      .map(([a, l]) => `\n${a}\t${l.RatePerSecond}/s\tburst ${l.Burst}`).join('');
    return `${String(t.AccountId)}\t${String(t.RatePerSecond)}/s\tburst ${String(t.Burst)}${t.IsDefault ? '\t(default)' : ''}${actions}`;
  };
  if (verb === 'get') return { method: 'GET', path, show };
  if (verb === 'unset') return { method: 'DELETE', path, show };
  if (verb !== 'set') return undefined;
  if (f.rate === undefined || f.burst === undefined) throw new Error('throttle set needs --rate R and --burst B');
  const body: Record<string, unknown> = { ratePerSecond: Number(f.rate), burst: Number(f.burst) };
  if (f.actions !== undefined) body.actions = parseJson(f.actions);
  return { method: 'PUT', path, body, show };
}

function parseJson(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${text}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`not a JSON object: ${text}`);
  return v as Record<string, unknown>;
}
