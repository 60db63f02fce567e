/**
 * Contract through a hand-signed request shaped like Terraform's (`RpcPost`): common parameters and the
 * HMAC-SHA1 signature in the query, business parameters in an x-www-form-urlencoded POST body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedFormClient, signedFormRequest } from '../support/signed-form.js';
import { TEST_CREDENTIALS } from '../support/server.js';
import { ContractClient } from './contract-client.js';
import { errorCases } from './errors.js';
import { assertEveryActionExercised, startContractServer, type ContractServer } from './harness.js';
import { ErrorResponseBody } from './models/index.js';
import { lifecycle } from './scenario.js';
import { typed } from './typed.js';

describe('contract: Terraform-style signed form (HMAC-SHA1, form body)', { timeout: 60_000 }, () => {
  let ctx: ContractServer;
  before(async () => {
    ctx = await startContractServer('form');
  });
  after(async () => ctx?.close());

  it('runs every action, and every answer casts into its SDK model', async () => {
    const c = new ContractClient('signed form', signedFormClient(ctx.endpoint, TEST_CREDENTIALS));
    await lifecycle(c, ctx.hooks);
    assertEveryActionExercised(c.label, c.called);
  });

  it('answers refusals with the catalog\'s status, Code and Message', async () => {
    await errorCases(new ContractClient('signed form', signedFormClient(ctx.endpoint, TEST_CREDENTIALS)));
  });

  it('refuses a signature made with the wrong secret (so the signer is really checked)', async () => {
    const res = await signedFormRequest(ctx.endpoint, { ...TEST_CREDENTIALS, accessKeySecret: 'wrong' }, 'DescribeEnsRegions');
    const envelope = typed(ErrorResponseBody, res.body);
    assert.deepEqual([res.status, envelope.code], [400, 'SignatureDoesNotMatch']);
  });
});
