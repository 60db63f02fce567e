/** The Terraform-style signer against the POP specification's vectors (client-wire.md §4.5, §6.1). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentEncode, signV1, stringToSign } from '../support/signed-form.js';

/** The `oc-v2-post-body` capture: common parameters in the query, business parameters in the body. */
const CAPTURED = {
  AccessKeyId: 'LTAI5tFAKEaccessKeyId01', Action: 'CreateSnapshot', Description: 'test snapshot',
  DiskId: 'd-5xyzfakediskid0001', EnsRegionId: 'cn-hangzhou-telecom', Format: 'json', SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: 'fb1243018973bcaa9c689334fc6c5811', SignatureVersion: '1.0', SnapshotName: 'my-snapshot',
  Timestamp: '2026-11-28T15:36:39Z', Version: '2017-11-10',
};

describe('signed-form signer', () => {
  it('percent-encodes per RFC 3986', () => {
    assert.equal(percentEncode("snap name*~!'()+/&=:中文"), 'snap%20name%2A~%21%27%28%29%2B%2F%26%3D%3A%E4%B8%AD%E6%96%87');
  });

  it('builds the captured StringToSign and signature', () => {
    assert.match(stringToSign('POST', CAPTURED),
      /^POST&%2F&AccessKeyId%3DLTAI5tFAKEaccessKeyId01%26Action%3DCreateSnapshot%26Description%3Dtest%2520snapshot%26/);
    assert.ok(stringToSign('POST', CAPTURED).endsWith('Timestamp%3D2026-11-28T15%253A36%253A39Z%26Version%3D2017-11-10'));
    assert.equal(signV1('POST', CAPTURED, 'FAKEsecretKEY0123456789abcdefXY'), 'yMYnFDPPhT9FikHO9ZUL/Ayem1g=');
    assert.equal(signV1('POST', { ...CAPTURED, Signature: 'ignored' }, 'FAKEsecretKEY0123456789abcdefXY'),
      'yMYnFDPPhT9FikHO9ZUL/Ayem1g=');
    assert.notEqual(signV1('GET', CAPTURED, 'FAKEsecretKEY0123456789abcdefXY'), 'yMYnFDPPhT9FikHO9ZUL/Ayem1g=');
  });
});
