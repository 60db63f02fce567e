/**
 * The HTTP face of edgesnap: Alibaba Cloud RPC on `/` (GET and POST, query
 * and form body merged), authenticated, dispatched to one action from the
 * table, answered with the JSON envelope. Every failure, including unknown
 * paths, oversized bodies and crashes, answers a catalog code — never HTML,
 * never an empty body.
 */
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { apiError } from '../kernel/errors.js';
import { Gateway } from '../kernel/catalog.js';
import type { IdGenerator } from '../kernel/ids.js';
import { ENS_API_VERSION, Params, type Action, type ActionOptions } from '../actions/index.js';
import type { Services } from '../services/index.js';
import type { ReplayGuard } from './auth/index.js';
import { authenticate } from './authenticate.js';
import { authorize } from './authorize.js';
import { registerAdmin, type AdminControl } from './admin.js';
import { injectFaults, throttleRequest, type OperatorHooks } from './operator-hooks.js';
import { toApiError } from './internal-errors.js';
import { errorResponse, successResponse, type ResponseFormat, type WireResponse } from './envelope.js';

export interface GatewayOptions {
  services: Services;
  actions: ReadonlyMap<string, Action>;
  ids: IdGenerator;
  replay: ReplayGuard;
  actionOptions: ActionOptions;
  /** The `HostId` of error envelopes. */
  hostId?: string;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** Time and connection limits of the listener (DEFAULT_HTTP_LIMITS where absent; docs/reliability.md). */
  limits?: Partial<HttpLimits>;
  log?: (msg: string) => void;
  /** The operator API under `/admin/v1/` (admin.ts), with its bearer token and controls; absent: not served. */
  admin?: { token: string; control: AdminControl };
  /** Throttling and fault injection (operator-hooks.ts); absent: neither. */
  operator?: OperatorHooks;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface HttpLimits {
  /** The request line and headers must arrive within this (a slow sender is cut off: `RequestTimeout`). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** How often Node looks for connections past those two limits (so a cut comes at most this late). */
  checkIntervalMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this are closed at once by Node (no answer). */
  maxConnections: number;
}

/**
 * Node's own defaults would let a client dribble headers for 60 s (checked every 30 s) and a body forever
 * (fastify turns `requestTimeout` off): bounded here so a slow sender cannot hold a connection.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 20_000, requestTimeoutMs: 60_000, checkIntervalMs: 2_000, keepAliveTimeoutMs: 72_000,
  maxConnections: 1024,
};

export function buildGateway(opts: GatewayOptions): FastifyInstance {
  const hostId = opts.hostId ?? 'ens.aliyuncs.com';
  const send = (reply: FastifyReply, res: WireResponse): FastifyReply =>
    reply.code(res.status).headers(res.headers).send(res.body);
  const fail = (reply: FastifyReply, err: unknown, format: ResponseFormat = 'JSON'): FastifyReply => {
    const known = toApiError(err, opts.log);
    return send(reply, errorResponse(known, opts.ids.requestId(), hostId, format));
  };
  const limits = { ...DEFAULT_HTTP_LIMITS, ...opts.limits };
  const app = Fastify({
    logger: false,
    ...fastifyLimits(limits, opts.bodyLimit ?? DEFAULT_BODY_LIMIT),
    return503OnClosing: true,
    // Errors fastify raises before routing (a path that does not decode): the path cannot be `/`.
    frameworkErrors: (_err, _req, reply) => fail(reply, apiError(Gateway.InvalidAction)),
    clientErrorHandler: answerClientError(opts.ids, hostId),
  });
  app.server.maxConnections = limits.maxConnections;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.route({
    method: ['GET', 'POST'],
    url: '/',
    handler: async (req, reply) => {
      const requestId = opts.ids.requestId();
      let format: ResponseFormat = 'JSON';
      try {
        const caller = await authenticate(rawRequest(req), opts.services.credentials, opts.replay);
        format = caller.request.format;
        const hookCaller = { accountId: caller.accountId, accessKeyId: caller.accessKeyId, action: caller.request.action };
        if (opts.operator) throttleRequest(opts.operator, hookCaller);
        const action = opts.actions.get(caller.request.action);
        if (!action) throw apiError(Gateway.InvalidAction);
        if (caller.request.version !== ENS_API_VERSION) throw apiError(Gateway.InvalidVersion);
        const params = new Params(caller.request.params);
        await authorize(caller, action, params, opts.services,
          { sourceIp: req.ip, secureTransport: req.protocol === 'https', now: opts.replay.clock.now() });
        if (opts.operator) await injectFaults(opts.operator, hookCaller, caller.request.params);
        const result = await action.run(params, {
          accountId: caller.accountId, requestId, services: opts.services, options: opts.actionOptions,
        });
        return send(reply, successResponse(action.name, requestId, result, format));
      } catch (err) {
        return send(reply, errorResponse(toApiError(err, opts.log), requestId, hostId, format));
      }
    },
  });

  if (opts.admin) {
    registerAdmin(app, {
      services: opts.services, ids: opts.ids, token: opts.admin.token, control: opts.admin.control, hostId, log: opts.log,
    });
  }

  app.setNotFoundHandler((req, reply) => {
    const spec = req.url.split('?')[0] === '/' ? Gateway.UnsupportedHTTPMethod : Gateway.InvalidAction;
    return fail(reply, apiError(spec));
  });
  app.setErrorHandler((err, _req, reply) => fail(reply, err));
  return app;
}

function fastifyLimits(limits: HttpLimits, bodyLimit: number) {
  return {
    bodyLimit, requestTimeout: limits.requestTimeoutMs, keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs },
  };
}

/**
 * Requests Node's HTTP parser refuses (request line and headers over 16 KiB, malformed HTTP) or cuts off (headers
 * or body too slow) never reach a route: answer them with the envelope too, and close, as the connection cannot
 * be reused.
 */
function answerClientError(ids: IdGenerator, hostId: string): (err: Error, socket: Socket) => void {
  return (err, socket) => {
    const code = (err as { code?: string }).code;
    const spec = code === 'HPE_HEADER_OVERFLOW' ? Gateway.RequestHeaderTooLarge
      : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? Gateway.RequestTimeout : Gateway.MalformedRequest;
    if (socket.writable) socket.end(rawHttpResponse(errorResponse(apiError(spec), ids.requestId(), hostId, 'JSON')));
  };
}

const REASONS: Readonly<Record<number, string>> = { 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function rawHttpResponse(res: WireResponse): string {
  const body = Buffer.from(res.body);
  const headers = Object.entries({ ...res.headers, 'content-length': String(body.length), connection: 'close' })
    .map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const reason = REASONS[res.status] ?? 'Bad Request';
  return `HTTP/1.1 ${res.status} ${reason}\r\n${headers}\r\n${body.toString()}`;
}

function rawRequest(req: FastifyRequest) {
  return {
    method: req.method,
    url: req.raw.url ?? '/',
    headers: req.headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}
