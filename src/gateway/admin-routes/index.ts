/**
 * Every admin route, one module per topic: each module exports an array of AdminRoute (admin.ts), and this
 * list concatenates them. To add a topic, add one import and one spread.
 */
import type { AdminRoute } from './route.js';
import { IDENTITY_ROUTES } from './identity.js';
import { INSTANCE_ROUTES } from './instances.js';
import { OPERATOR_ROUTES } from './operator.js';
import { COMMERCE_ROUTES } from './commerce.js';
import { STORAGE_ROUTES } from './storage.js';

export const ADMIN_ROUTE_MODULES: readonly AdminRoute[] = [
  ...INSTANCE_ROUTES,
  ...IDENTITY_ROUTES,
  ...OPERATOR_ROUTES,
  ...COMMERCE_ROUTES,
  ...STORAGE_ROUTES,
];
