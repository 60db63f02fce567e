/** Contract through @alicloud/pop-core (HMAC-SHA1): GET with everything in the query, POST with a form body. */
import { after, before, describe, it } from 'node:test';
import { popClient } from '../support/clients.js';
import { TEST_CREDENTIALS } from '../support/server.js';
import { ContractClient } from './contract-client.js';
import { errorCases } from './errors.js';
import { assertEveryActionExercised, startContractServer, type ContractServer } from './harness.js';
import { lifecycle } from './scenario.js';

describe('contract: pop-core', { timeout: 90_000 }, () => {
  let ctx: ContractServer;
  before(async () => {
    ctx = await startContractServer('pop');
  });
  after(async () => ctx?.close());

  for (const method of ['GET', 'POST'] as const) {
    const client = (): ContractClient => new ContractClient(`pop-core ${method}`, popClient(ctx.endpoint, TEST_CREDENTIALS, method));

    it(`${method}: runs every action, and every answer casts into its SDK model`, async () => {
      const c = client();
      await lifecycle(c, ctx.hooks);
      assertEveryActionExercised(c.label, c.called);
    });

    it(`${method}: answers refusals with the catalog's status, Code and Message`, async () => {
      await errorCases(client());
    });
  }
});
