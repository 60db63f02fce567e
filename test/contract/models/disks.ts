/**
 * Disk response bodies, with the field names and types of the generated SDK `@alicloud/ens20171110`
 * (aliyun/alibabacloud-typescript-sdk, ens-20171110/src/models/<Action>ResponseBody.ts).
 */
import * as $dara from '@darabonba/typescript';
import { array, type FieldType } from './model.js';

export class CreateDiskResponseBody extends $dara.Model {
  instanceIds?: string[];
  orderId?: string;
  requestId?: string;
  static names(): Record<string, string> {
    return { instanceIds: 'InstanceIds', orderId: 'OrderId', requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { instanceIds: array('string'), orderId: 'string', requestId: 'string' };
  }
}

export class DescribeDisksResponseBodyDisksDisksTagsTags extends $dara.Model {
  key?: string;
  value?: string;
  static names(): Record<string, string> {
    return { key: 'Key', value: 'Value' };
  }
  static types(): Record<string, FieldType> {
    return { key: 'string', value: 'string' };
  }
}

export class DescribeDisksResponseBodyDisksDisksTags extends $dara.Model {
  tags?: DescribeDisksResponseBodyDisksDisksTagsTags[];
  static names(): Record<string, string> {
    return { tags: 'Tags' };
  }
  static types(): Record<string, FieldType> {
    return { tags: array(DescribeDisksResponseBodyDisksDisksTagsTags) };
  }
}

export class DescribeDisksResponseBodyDisksDisks extends $dara.Model {
  category?: string;
  creationTime?: string;
  deleteWithInstance?: boolean;
  description?: string;
  diskChargeType?: string;
  diskId?: string;
  diskName?: string;
  encrypted?: boolean;
  encryptedKeyId?: string;
  ensRegionId?: string;
  instanceId?: string;
  instanceName?: string;
  portable?: boolean;
  serialId?: string;
  /** MiB. */
  size?: number;
  snapshotId?: string;
  status?: string;
  tags?: DescribeDisksResponseBodyDisksDisksTags;
  type?: string;
  static names(): Record<string, string> {
    return {
      category: 'Category', creationTime: 'CreationTime', deleteWithInstance: 'DeleteWithInstance',
      description: 'Description', diskChargeType: 'DiskChargeType', diskId: 'DiskId', diskName: 'DiskName',
      encrypted: 'Encrypted', encryptedKeyId: 'EncryptedKeyId', ensRegionId: 'EnsRegionId', instanceId: 'InstanceId',
      instanceName: 'InstanceName', portable: 'Portable', serialId: 'SerialId', size: 'Size', snapshotId: 'SnapshotId',
      status: 'Status', tags: 'Tags', type: 'Type',
    };
  }
  static types(): Record<string, FieldType> {
    return {
      category: 'string', creationTime: 'string', deleteWithInstance: 'boolean', description: 'string',
      diskChargeType: 'string', diskId: 'string', diskName: 'string', encrypted: 'boolean', encryptedKeyId: 'string',
      ensRegionId: 'string', instanceId: 'string', instanceName: 'string', portable: 'boolean', serialId: 'string',
      size: 'number', snapshotId: 'string', status: 'string', tags: DescribeDisksResponseBodyDisksDisksTags, type: 'string',
    };
  }
}

export class DescribeDisksResponseBodyDisks extends $dara.Model {
  disks?: DescribeDisksResponseBodyDisksDisks[];
  static names(): Record<string, string> {
    return { disks: 'Disks' };
  }
  static types(): Record<string, FieldType> {
    return { disks: array(DescribeDisksResponseBodyDisksDisks) };
  }
}

export class DescribeDisksResponseBody extends $dara.Model {
  code?: number;
  disks?: DescribeDisksResponseBodyDisks;
  pageNumber?: number;
  pageSize?: number;
  requestId?: string;
  totalCount?: number;
  static names(): Record<string, string> {
    return {
      code: 'Code', disks: 'Disks', pageNumber: 'PageNumber', pageSize: 'PageSize', requestId: 'RequestId',
      totalCount: 'TotalCount',
    };
  }
  static types(): Record<string, FieldType> {
    return {
      code: 'number', disks: DescribeDisksResponseBodyDisks, pageNumber: 'number', pageSize: 'number',
      requestId: 'string', totalCount: 'number',
    };
  }
}

/** DeleteDisk, AttachDisk and DetachDisk all answer `{Code: number, RequestId}`. */
export class DeleteDiskResponseBody extends $dara.Model {
  code?: number;
  requestId?: string;
  static names(): Record<string, string> {
    return { code: 'Code', requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { code: 'number', requestId: 'string' };
  }
}
export class AttachDiskResponseBody extends DeleteDiskResponseBody {}
export class DetachDiskResponseBody extends DeleteDiskResponseBody {}

export class ResizeDiskResponseBody extends $dara.Model {
  orderId?: string;
  requestId?: string;
  static names(): Record<string, string> {
    return { orderId: 'OrderId', requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { orderId: 'string', requestId: 'string' };
  }
}

/** Bodies that are only `{RequestId}`. */
export class ResetDiskResponseBody extends $dara.Model {
  requestId?: string;
  static names(): Record<string, string> {
    return { requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { requestId: 'string' };
  }
}
/** Not in any SDK (Terraform calls it and reads nothing but errors): modelled as `{RequestId}`. */
export class ModifyDiskAttributeResponseBody extends ResetDiskResponseBody {}
