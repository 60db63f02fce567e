/**
 * The operator API under `/admin/v1/` on the API listener: JSON in and out, authenticated by its own bearer
 * token (`Authorization: Bearer <token>`, compared in constant time), never open. Errors use the API's envelope
 * `{RequestId, HostId, Code, Message, Recommend}` with catalog codes. Routes live in modules under
 * `admin-routes/` (one per topic), concatenated by `admin-routes/index.ts`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError, type ApiError } from '../kernel/errors.js';
import { Admin, Ens, Gateway } from '../kernel/catalog.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { Services } from '../services/index.js';
import type { AdminControl, AdminRoute } from './admin-routes/route.js';
import { errorResponse, type WireResponse } from './envelope.js';
import { toApiError } from './internal-errors.js';
import { ADMIN_ROUTE_MODULES } from './admin-routes/index.js';
import { capitalized } from './admin-routes/fields.js';

export { capitalized, optionalNumber, optionalText, requiredNumber, requiredText } from './admin-routes/fields.js';

export const ADMIN_PREFIX = '/admin/v1';

export interface AdminOptions {
  services: Services;
  ids: IdGenerator;
  /** The bearer token; at least 16 characters (main generates 64 hex characters when none is configured). */
  token: string;
  /** The operator controls (faults, throttle, jobs, ids, reset) the routes reach as their third argument. */
  control: AdminControl;
  hostId: string;
  log?: (msg: string) => void;
}

export type { AdminControl, AdminRequest, AdminRoute } from './admin-routes/route.js';

/** Every route of every module (admin-routes/index.ts). */
export const ADMIN_ROUTES: readonly AdminRoute[] = ADMIN_ROUTE_MODULES;

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
      const params = req.params as Record<string, string>;
      const res = await route.handle({ params, body, query: firstValues(req.query) }, opts.services, opts.control);
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

/** Query parameters as strings: the first value of a repeated one. */
function firstValues(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [k, v] of Object.entries(raw)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

function known(err: unknown, log?: (msg: string) => void): ApiError {
  return toApiError(err, log && ((msg) => log(`admin: ${msg}`)));
}
