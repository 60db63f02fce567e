/** Snapshot response bodies, with the field names and types of the generated SDK `@alicloud/ens20171110`. */
import * as $dara from '@darabonba/typescript';
import { array, type FieldType } from './model.js';

export class CreateSnapshotResponseBody extends $dara.Model {
  orderId?: string;
  requestId?: string;
  /** Capital S, and an array (Terraform reads `$.SnapShotId[0]`). */
  snapShotId?: string[];
  static names(): Record<string, string> {
    return { orderId: 'OrderId', requestId: 'RequestId', snapShotId: 'SnapShotId' };
  }
  static types(): Record<string, FieldType> {
    return { orderId: 'string', requestId: 'string', snapShotId: array('string') };
  }
}

export class DescribeSnapshotsResponseBodySnapshots extends $dara.Model {
  creationTime?: string;
  description?: string;
  ensRegionId?: string;
  /** A string (MiB per the doc). */
  size?: string;
  snapshotId?: string;
  snapshotName?: string;
  sourceDiskCategory?: string;
  sourceDiskId?: string;
  sourceDiskType?: string;
  sourceEnsRegionId?: string;
  sourceSnapshotId?: string;
  status?: string;
  static names(): Record<string, string> {
    return {
      creationTime: 'CreationTime', description: 'Description', ensRegionId: 'EnsRegionId', size: 'Size',
      snapshotId: 'SnapshotId', snapshotName: 'SnapshotName', sourceDiskCategory: 'SourceDiskCategory',
      sourceDiskId: 'SourceDiskId', sourceDiskType: 'SourceDiskType', sourceEnsRegionId: 'SourceEnsRegionId',
      sourceSnapshotId: 'SourceSnapshotId', status: 'Status',
    };
  }
  static types(): Record<string, FieldType> {
    return {
      creationTime: 'string', description: 'string', ensRegionId: 'string', size: 'string', snapshotId: 'string',
      snapshotName: 'string', sourceDiskCategory: 'string', sourceDiskId: 'string', sourceDiskType: 'string',
      sourceEnsRegionId: 'string', sourceSnapshotId: 'string', status: 'string',
    };
  }
}

export class DescribeSnapshotsResponseBody extends $dara.Model {
  pageNumber?: number;
  pageSize?: number;
  requestId?: string;
  /** A flat array (not `Snapshots.Snapshot[]`). */
  snapshots?: DescribeSnapshotsResponseBodySnapshots[];
  totalCount?: number;
  static names(): Record<string, string> {
    return {
      pageNumber: 'PageNumber', pageSize: 'PageSize', requestId: 'RequestId', snapshots: 'Snapshots',
      totalCount: 'TotalCount',
    };
  }
  static types(): Record<string, FieldType> {
    return {
      pageNumber: 'number', pageSize: 'number', requestId: 'string',
      snapshots: array(DescribeSnapshotsResponseBodySnapshots), totalCount: 'number',
    };
  }
}

/** DeleteSnapshot and ModifySnapshotAttribute answer only `{RequestId}`. */
export class DeleteSnapshotResponseBody extends $dara.Model {
  requestId?: string;
  static names(): Record<string, string> {
    return { requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { requestId: 'string' };
  }
}
export class ModifySnapshotAttributeResponseBody extends DeleteSnapshotResponseBody {}

export class CopySnapshotResponseBodyAllocationId extends $dara.Model {
  ensRegionId?: string;
  instanceId?: string[];
  static names(): Record<string, string> {
    return { ensRegionId: 'EnsRegionId', instanceId: 'InstanceId' };
  }
  static types(): Record<string, FieldType> {
    return { ensRegionId: 'string', instanceId: array('string') };
  }
}

export class CopySnapshotResponseBodyUnAllocationId extends $dara.Model {
  ensRegionId?: string;
  static names(): Record<string, string> {
    return { ensRegionId: 'EnsRegionId' };
  }
  static types(): Record<string, FieldType> {
    return { ensRegionId: 'string' };
  }
}

export class CopySnapshotResponseBody extends $dara.Model {
  allocationId?: CopySnapshotResponseBodyAllocationId[];
  /** `AllSuccess` or `PartSuccess`. */
  bizStatusCode?: string;
  requestId?: string;
  unAllocationId?: CopySnapshotResponseBodyUnAllocationId[];
  static names(): Record<string, string> {
    return {
      allocationId: 'AllocationId', bizStatusCode: 'BizStatusCode', requestId: 'RequestId',
      unAllocationId: 'UnAllocationId',
    };
  }
  static types(): Record<string, FieldType> {
    return {
      allocationId: array(CopySnapshotResponseBodyAllocationId), bizStatusCode: 'string', requestId: 'string',
      unAllocationId: array(CopySnapshotResponseBodyUnAllocationId),
    };
  }
}
