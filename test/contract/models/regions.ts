/** Region and disk-offer response bodies, with the field names and types of the generated SDK `@alicloud/ens20171110`. */
import * as $dara from '@darabonba/typescript';
import { array, type FieldType } from './model.js';

export class DescribeEnsRegionsResponseBodyEnsRegionsEnsRegions extends $dara.Model {
  area?: string;
  enName?: string;
  ensRegionId?: string;
  name?: string;
  province?: string;
  static names(): Record<string, string> {
    return { area: 'Area', enName: 'EnName', ensRegionId: 'EnsRegionId', name: 'Name', province: 'Province' };
  }
  static types(): Record<string, FieldType> {
    return { area: 'string', enName: 'string', ensRegionId: 'string', name: 'string', province: 'string' };
  }
}

export class DescribeEnsRegionsResponseBodyEnsRegions extends $dara.Model {
  ensRegions?: DescribeEnsRegionsResponseBodyEnsRegionsEnsRegions[];
  static names(): Record<string, string> {
    return { ensRegions: 'EnsRegions' };
  }
  static types(): Record<string, FieldType> {
    return { ensRegions: array(DescribeEnsRegionsResponseBodyEnsRegionsEnsRegions) };
  }
}

export class DescribeEnsRegionsResponseBody extends $dara.Model {
  code?: number;
  ensRegions?: DescribeEnsRegionsResponseBodyEnsRegions;
  requestId?: string;
  static names(): Record<string, string> {
    return { code: 'Code', ensRegions: 'EnsRegions', requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { code: 'number', ensRegions: DescribeEnsRegionsResponseBodyEnsRegions, requestId: 'string' };
  }
}

export class DescribeCloudDiskTypesResponseBodySupportResourcesSupportResource extends $dara.Model {
  category?: string;
  ensRegionId?: string;
  static names(): Record<string, string> {
    return { category: 'Category', ensRegionId: 'EnsRegionId' };
  }
  static types(): Record<string, FieldType> {
    return { category: 'string', ensRegionId: 'string' };
  }
}

export class DescribeCloudDiskTypesResponseBodySupportResources extends $dara.Model {
  supportResource?: DescribeCloudDiskTypesResponseBodySupportResourcesSupportResource[];
  static names(): Record<string, string> {
    return { supportResource: 'SupportResource' };
  }
  static types(): Record<string, FieldType> {
    return { supportResource: array(DescribeCloudDiskTypesResponseBodySupportResourcesSupportResource) };
  }
}

export class DescribeCloudDiskTypesResponseBody extends $dara.Model {
  requestId?: string;
  supportResources?: DescribeCloudDiskTypesResponseBodySupportResources;
  static names(): Record<string, string> {
    return { requestId: 'RequestId', supportResources: 'SupportResources' };
  }
  static types(): Record<string, FieldType> {
    return { requestId: 'string', supportResources: DescribeCloudDiskTypesResponseBodySupportResources };
  }
}

export class DescribeCloudDiskAvailableResourceInfoResponseBodySupportResourcesSupportResourceAbility extends $dara.Model {
  ability?: string[];
  static names(): Record<string, string> {
    return { ability: 'Ability' };
  }
  static types(): Record<string, FieldType> {
    return { ability: array('string') };
  }
}

export class DescribeCloudDiskAvailableResourceInfoResponseBodySupportResourcesSupportResource extends $dara.Model {
  ability?: DescribeCloudDiskAvailableResourceInfoResponseBodySupportResourcesSupportResourceAbility;
  canBuyCount?: number;
  category?: string;
  /** GiB, as DiskMaxSize and DiskMinSize. */
  defaultDiskSize?: number;
  diskMaxSize?: number;
  diskMinSize?: number;
  ensRegionId?: string;
  ensRegionName?: string;
  static names(): Record<string, string> {
    return {
      ability: 'Ability', canBuyCount: 'CanBuyCount', category: 'Category', defaultDiskSize: 'DefaultDiskSize',
      diskMaxSize: 'DiskMaxSize', diskMinSize: 'DiskMinSize', ensRegionId: 'EnsRegionId', ensRegionName: 'EnsRegionName',
    };
  }
  static types(): Record<string, FieldType> {
    return {
      ability: DescribeCloudDiskAvailableResourceInfoResponseBodySupportResourcesSupportResourceAbility,
      canBuyCount: 'number', category: 'string', defaultDiskSize: 'number', diskMaxSize: 'number',
      diskMinSize: 'number', ensRegionId: 'string', ensRegionName: 'string',
    };
  }
}

export class DescribeCloudDiskAvailableResourceInfoResponseBodySupportResources extends $dara.Model {
  supportResource?: DescribeCloudDiskAvailableResourceInfoResponseBodySupportResourcesSupportResource[];
  static names(): Record<string, string> {
    return { supportResource: 'SupportResource' };
  }
  static types(): Record<string, FieldType> {
    return { supportResource: array(DescribeCloudDiskAvailableResourceInfoResponseBodySupportResourcesSupportResource) };
  }
}

export class DescribeCloudDiskAvailableResourceInfoResponseBody extends $dara.Model {
  requestId?: string;
  supportResources?: DescribeCloudDiskAvailableResourceInfoResponseBodySupportResources;
  static names(): Record<string, string> {
    return { requestId: 'RequestId', supportResources: 'SupportResources' };
  }
  static types(): Record<string, FieldType> {
    return { requestId: 'string', supportResources: DescribeCloudDiskAvailableResourceInfoResponseBodySupportResources };
  }
}
