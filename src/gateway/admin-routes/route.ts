/** The shape of an admin route: every module under admin-routes/ exports an array of these. */
import type { Operator, Services } from '../../services/index.js';

/** What a route handler sees: path parameters, query parameters (first value of each) and the JSON body. */
export interface AdminRequest {
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body (`{}` when there is none). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, string>>;
}

/** The operator controls of the running service (services/operator/operator.ts). */
export type AdminControl = Operator;

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below ADMIN_PREFIX, fastify syntax (`/instances/:id`). */
  readonly path: string;
  /** Body fields the route accepts (anything else is `InvalidParameter.<Field>`). */
  readonly fields?: readonly string[];
  /** The success body without RequestId, and its HTTP status (200 unless said). */
  handle(req: AdminRequest, services: Services, control: AdminControl):
    Promise<{ status?: number; body: Record<string, unknown> }>;
}

