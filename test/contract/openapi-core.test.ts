/**
 * Contract through @alicloud/openapi-core, as the generated ENS SDK calls it: ACS3-HMAC-SHA256, parameters in
 * the query of a POST, GET for the actions the SDK sends as GET. Every answer is cast into the SDK models.
 */
import { after, before, describe, it } from 'node:test';
import { coreClient, type Call } from '../support/clients.js';
import { TEST_CREDENTIALS } from '../support/server.js';
import { ContractClient } from './contract-client.js';
import { errorCases } from './errors.js';
import { assertEveryActionExercised, startContractServer, type ContractServer } from './harness.js';
import { lifecycle } from './scenario.js';

/** The actions whose generated SDK method uses `method: 'GET'` (ens-api.md §1). */
const SDK_GET_ACTIONS = new Set(['DescribeCloudDiskTypes', 'DescribeCloudDiskAvailableResourceInfo']);

describe('contract: openapi-core (ACS3, query of a POST; GET where the SDK uses GET)', { timeout: 60_000 }, () => {
  let ctx: ContractServer;
  let call: Call;
  before(async () => {
    ctx = await startContractServer('core');
    const post = coreClient(ctx.endpoint, TEST_CREDENTIALS, 'POST');
    const get = coreClient(ctx.endpoint, TEST_CREDENTIALS, 'GET');
    call = (action, params) => (SDK_GET_ACTIONS.has(action) ? get : post)(action, params);
  });
  after(async () => ctx?.close());

  it('runs every action, and every answer casts into its SDK model', async () => {
    const c = new ContractClient('openapi-core', call);
    await lifecycle(c, ctx.hooks);
    assertEveryActionExercised(c.label, c.called);
  });

  it('answers refusals with the status, Code and Message of the catalog in the error envelope', async () => {
    await errorCases(new ContractClient('openapi-core', call));
  });
});
