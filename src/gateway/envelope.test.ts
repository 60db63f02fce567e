import assert from 'node:assert/strict';
import { it } from 'node:test';
import { apiError } from '../kernel/errors.js';
import { Ens } from '../kernel/catalog.js';
import { errorResponse, successResponse, toXml } from './envelope.js';

it('success bodies start with RequestId and carry the action fields (JSON)', () => {
  const res = successResponse('CreateSnapshot', 'RID', { SnapShotId: ['s-1'], OrderId: '123' }, 'JSON');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json;charset=utf-8');
  assert.equal(res.body, '{"RequestId":"RID","SnapShotId":["s-1"],"OrderId":"123"}');
});

it('Format=XML renders the same content, arrays as repeated elements', () => {
  const res = successResponse('DescribeDisks', 'RID', { Code: 0, Disks: { Disks: [{ DiskId: 'd-1' }, { DiskId: 'd-2' }] } }, 'XML');
  assert.equal(res.headers['content-type'], 'text/xml;charset=utf-8');
  assert.equal(res.body, '<?xml version="1.0" encoding="UTF-8"?><DescribeDisksResponse><RequestId>RID</RequestId>' +
    '<Code>0</Code><Disks><Disks><DiskId>d-1</DiskId></Disks><Disks><DiskId>d-2</DiskId></Disks></Disks></DescribeDisksResponse>');
  assert.equal(toXml('E', { M: `<a&'">` }), '<?xml version="1.0" encoding="UTF-8"?><E><M>&lt;a&amp;&apos;&quot;&gt;</M></E>');
});

it('error envelopes: RequestId, HostId, Code, Message, Recommend, with the catalog status', () => {
  const res = errorResponse(apiError(Ens.InvalidParameter, 'SnapshotName'), 'RID', 'ens.aliyuncs.com', 'JSON');
  assert.equal(res.status, 400);
  assert.equal(res.headers['x-acs-request-id'], 'RID');
  assert.deepEqual(JSON.parse(res.body), {
    RequestId: 'RID', HostId: 'ens.aliyuncs.com', Code: 'InvalidParameter.SnapshotName',
    Message: 'The specified field SnapshotName invalid. Please check it again.',
    Recommend: 'https://api.aliyun.com/troubleshoot?q=InvalidParameter.SnapshotName&product=Ens',
  });
  const xml = errorResponse(apiError(Ens.DiskNotFound, 'd-x'), 'RID', 'h', 'XML');
  assert.equal(xml.status, 404);
  assert.match(xml.body, /^<\?xml version="1\.0" encoding="UTF-8"\?><Error><RequestId>RID<\/RequestId><HostId>h<\/HostId><Code>InvalidDiskId\.NotFound<\/Code>/);
});
