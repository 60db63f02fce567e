/** Tag response bodies, with the field names and types of the generated SDK `@alicloud/ens20171110`. */
import * as $dara from '@darabonba/typescript';
import { array, type FieldType } from './model.js';

export class ListTagResourcesResponseBodyTagResources extends $dara.Model {
  resourceId?: string;
  resourceType?: string;
  tagKey?: string;
  tagValue?: string;
  static names(): Record<string, string> {
    return { resourceId: 'ResourceId', resourceType: 'ResourceType', tagKey: 'TagKey', tagValue: 'TagValue' };
  }
  static types(): Record<string, FieldType> {
    return { resourceId: 'string', resourceType: 'string', tagKey: 'string', tagValue: 'string' };
  }
}

export class ListTagResourcesResponseBody extends $dara.Model {
  nextToken?: string;
  requestId?: string;
  tagResources?: ListTagResourcesResponseBodyTagResources[];
  static names(): Record<string, string> {
    return { nextToken: 'NextToken', requestId: 'RequestId', tagResources: 'TagResources' };
  }
  static types(): Record<string, FieldType> {
    return { nextToken: 'string', requestId: 'string', tagResources: array(ListTagResourcesResponseBodyTagResources) };
  }
}

/** TagResources and UntagResources answer only `{RequestId}`. */
export class TagResourcesResponseBody extends $dara.Model {
  requestId?: string;
  static names(): Record<string, string> {
    return { requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { requestId: 'string' };
  }
}
export class UntagResourcesResponseBody extends TagResourcesResponseBody {}
