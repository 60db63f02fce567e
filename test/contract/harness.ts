/** The server each contract test file runs against, and the checks every transport file shares. */
import assert from 'node:assert/strict';
import { ACTIONS } from '../../src/actions/index.js';
import type { RunningEdgesnap } from '../../src/main.js';
import { startTestServer, tempDir } from '../support/server.js';
import type { ScenarioHooks } from './scenario.js';

export interface ContractServer {
  server: RunningEdgesnap;
  endpoint: string;
  hooks: ScenarioHooks;
  close(): Promise<void>;
}

export async function startContractServer(prefix: string): Promise<ContractServer> {
  const dir = await tempDir(`edgesnap-contract-${prefix}-`);
  const server = await startTestServer(dir.path);
  return {
    server,
    endpoint: `${server.api.host}:${server.api.port}`,
    hooks: { registerInstance: (regionId) => registerInstance(server, regionId) },
    close: async () => {
      await server.close();
      await dir.remove();
    },
  };
}

/** Registers a `Running` instance through the instances service, which the operator's admin API calls. */
async function registerInstance(server: RunningEdgesnap, regionId: string): Promise<string> {
  return (await server.services.instances.register({ regionId, name: 'contract-instance' })).id;
}

/** Every action edgesnap answers must have been called successfully through the transport. */
export function assertEveryActionExercised(label: string, called: ReadonlySet<string>): void {
  const missed = [...ACTIONS.keys()].filter((a) => !called.has(a));
  assert.deepEqual(missed, [], `${label}: actions in ACTIONS that the scenario never called successfully`);
}
