/** Admin routes: instances (register, list, start, stop, delete), as far as disks need them. */
import { apiError } from '../../kernel/errors.js';
import { Ens } from '../../kernel/catalog.js';
import { isoSeconds } from '../../kernel/clock.js';
import type { AdminRoute } from './route.js';
import { optionalText, requiredText } from './fields.js';

export const INSTANCE_ROUTES: readonly AdminRoute[] = [
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

function instanceBody(i: { id: string; name: string; accountId: string; regionId: string; status: string;
  createdAt: number }): Record<string, unknown> {
  return {
    InstanceId: i.id, InstanceName: i.name, AccountId: i.accountId, EnsRegionId: i.regionId, Status: i.status,
    CreationTime: isoSeconds(i.createdAt),
  };
}
