/**
 * The error envelope every client reads (client-wire.md §7.5): PascalCase `RequestId`, `HostId`, `Code`,
 * `Message` and optionally `Recommend`. Not an SDK model (the SDK raises errors instead), built the same way.
 */
import * as $dara from '@darabonba/typescript';
import type { FieldType } from './model.js';

export class ErrorResponseBody extends $dara.Model {
  code?: string;
  hostId?: string;
  message?: string;
  recommend?: string;
  requestId?: string;
  static names(): Record<string, string> {
    return { code: 'Code', hostId: 'HostId', message: 'Message', recommend: 'Recommend', requestId: 'RequestId' };
  }
  static types(): Record<string, FieldType> {
    return { code: 'string', hostId: 'string', message: 'string', recommend: 'string', requestId: 'string' };
  }
}
