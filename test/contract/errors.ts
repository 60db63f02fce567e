/** Refusals every transport must deliver the same way: HTTP status, Code and Message in the error envelope. */
import { diskNotFound, invalid, missing, snapNotFound } from '../support/failures.js';
import type { ContractClient } from './contract-client.js';
import { REGION } from './scenario.js';

export async function errorCases(c: ContractClient): Promise<void> {
  await c.fails('DeleteDisk', { DiskId: 'd-contractnope' }, diskNotFound('d-contractnope'));
  await c.fails('DeleteSnapshot', { SnapshotId: 'sp-contractnope' }, snapNotFound('sp-contractnope'));
  await c.fails('CreateSnapshot', { EnsRegionId: REGION }, missing('DiskId'));
  await c.fails('ResizeDisk', { DiskId: 'd-contractnope', NewSize: 'abc' }, invalid('NewSize'));
  await c.fails('DescribeDisks', { DiskIds: '["d-1"' }, invalid('DiskIds'));
  await c.fails('CopySnapshot', { SnapshotId: 'sp-contractnope' }, missing('DestinationRegionIds'));
  await c.fails('NoSuchAction', {}, {
    status: 404, code: 'InvalidAction.NotFound', message: 'Specified api is not found, please check your url and method.',
  });
}
