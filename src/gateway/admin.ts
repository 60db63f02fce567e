/**
 * The operator API under `/admin/v1/` on the API listener: JSON in and out, authenticated by its own bearer
 * token (`Authorization: Bearer <token>`, compared in constant time), never open. Errors use the API's envelope
 * `{RequestId, HostId, Code, Message, Recommend}` with catalog codes. Routes are one table (`ADMIN_ROUTES`):
 * add a row to extend it (accounts, keys, quotas, fault injection are next).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError, ApiError, isApiError } from '../kernel/errors.js';
import { Admin, Ens, Gateway } from '../kernel/catalog.js';
import type { IdGenerator } from '../kernel/ids.js';
import { isoSeconds } from '../kernel/clock.js';
import type { Services } from '../services/index.js';
import { errorResponse, type WireResponse } from './envelope.js';

export const ADMIN_PREFIX = '/admin/v1';

export interface AdminOptions {
  services: Services;
  ids: IdGenerator;
  /** The bearer token; at least 16 characters (main generates 64 hex characters when none is configured). */
  token: string;
  hostId: string;
  log?: (msg: string) => void;
}

/** What a route handler sees: path parameters and the parsed JSON body (`{}` when there is none). */
export interface AdminRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Below ADMIN_PREFIX, fastify syntax (`/instances/:id`). */
  readonly path: string;
  /** Body fields the route accepts (anything else is `InvalidParameter.<Field>`). */
  readonly fields?: readonly string[];
  /** The success body without RequestId, and its HTTP status (200 unless said). */
  handle(req: AdminRequest, services: Services): Promise<{ status?: number; body: Record<string, unknown> }>;
}

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    method: 'POST', path: '/instances', fields: ['accountId', 'regionId', 'name'],
    async handle({ body }, services) {
      const regionId = requiredText(body, 'regionId', 64);
      if (!services.regions.find(regionId)) throw apiError(Ens.InvalidParameter, 'RegionId');
      const instance = await services.instances.register({
        regionId, accountId: optionalText(body, 'accountId', 64), name: optionalText(body, 'name', 128),
      });
      return { status: 201, body: { Instance: instanceBody(instance) } };
    },
  },
  {
    method: 'GET', path: '/instances',
    async handle(_req, services) {
      return { body: { Instances: (await services.instances.list()).map(instanceBody) } };
    },
  },
  {
    method: 'POST', path: '/instances/:id/start',
    async handle({ params }, services) {
      return { body: { Instance: instanceBody(await services.instances.setStatus(params.id!, 'Running')) } };
    },
  },
  {
    method: 'POST', path: '/instances/:id/stop',
    async handle({ params }, services) {
      return { body: { Instance: instanceBody(await services.instances.setStatus(params.id!, 'Stopped')) } };
    },
  },
  {
    method: 'DELETE', path: '/instances/:id',
    async handle({ params }, services) {
      await services.instances.delete(params.id!);
      return { body: {} };
    },
  },
];

/** Registers every admin route, and a catch-all that answers unknown admin paths (after authentication). */
export function registerAdmin(app: FastifyInstance, opts: AdminOptions): void {
  if (opts.token.length < 16) throw new Error('the admin token must have at least 16 characters');
  const expected = digest(opts.token);
  const send = (reply: FastifyReply, res: WireResponse): FastifyReply =>
    reply.code(res.status).headers(res.headers).send(res.body);
  const serve = (route: AdminRoute | undefined) => async (req: FastifyRequest, reply: FastifyReply) => {
    const requestId = opts.ids.requestId();
    try {
      if (!authorized(req.headers.authorization, expected)) throw apiError(Admin.Unauthorized);
      if (!route) throw apiError(Gateway.InvalidAction);
      const body = parseBody(req.body, route.fields ?? []);
      const res = await route.handle({ params: req.params as Record<string, string>, body }, opts.services);
      return send(reply.header('cache-control', 'no-store'), {
        status: res.status ?? 200,
        headers: { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId },
        body: JSON.stringify({ RequestId: requestId, ...res.body }),
      });
    } catch (err) {
      return send(reply, errorResponse(known(err, opts.log), requestId, opts.hostId, 'JSON'));
    }
  };
  for (const route of ADMIN_ROUTES) {
    app.route({ method: route.method, url: `${ADMIN_PREFIX}${route.path}`, handler: serve(route) });
  }
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: `${ADMIN_PREFIX}/*`, handler: serve(undefined),
  });
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** `Bearer <token>` whose SHA-256 equals the expected one; equal-length digests, compared in constant time. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1]!), expected);
}

function parseBody(raw: unknown, fields: readonly string[]): Record<string, unknown> {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw apiError(Ens.InvalidParameter, 'Body');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw apiError(Ens.InvalidParameter, 'Body');
  const unknown = Object.keys(body).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw apiError(Ens.InvalidParameter, capitalized(unknown));
  return body as Record<string, unknown>;
}

function optionalText(body: Readonly<Record<string, unknown>>, field: string, max: number): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || [...v].length > max || /[\u0000-\u001f]/.test(v)) {
    throw apiError(Ens.InvalidParameter, capitalized(field));
  }
  return v;
}

function requiredText(body: Readonly<Record<string, unknown>>, field: string, max: number): string {
  const v = optionalText(body, field, max);
  if (v === undefined) throw apiError(Gateway.MissingParameter, capitalized(field));
  return v;
}

/** Error codes name fields as the ENS API does (`MissingRegionId`, `InvalidParameter.Name`). */
const capitalized = (field: string): string => field.charAt(0).toUpperCase() + field.slice(1);

function instanceBody(i: { id: string; name: string; accountId: string; regionId: string; status: string;
  createdAt: number }): Record<string, unknown> {
  return {
    InstanceId: i.id, InstanceName: i.name, AccountId: i.accountId, EnsRegionId: i.regionId, Status: i.status,
    CreationTime: isoSeconds(i.createdAt),
  };
}

function known(err: unknown, log?: (msg: string) => void): ApiError {
  if (isApiError(err)) return err;
  log?.(`admin: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  return apiError(Gateway.InternalError);
}
