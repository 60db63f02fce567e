/**
 * The closed catalog of every error code edgesnap answers, with the HTTP status
 * and message template the real service uses. docs/errors.md documents each
 * one; a test keeps the two in step. Nothing outside this file invents a code.
 */
import { CREATE_SNAPSHOT_ERRORS } from './catalog-createsnapshot.js';
import type { ErrorSpec } from './errors.js';

const spec = (code: string, status: number, message: string): ErrorSpec => ({ code, status, message });

/** Errors of the Alibaba Cloud API gateway (POP): protocol, authentication, replay. */
export const Gateway = {
  MissingParameter: spec('Missing%s', 400, '%s is mandatory for this action.'),
  InvalidAction: spec('InvalidAction.NotFound', 404, 'Specified api is not found, please check your url and method.'),
  InvalidVersion: spec('InvalidVersion', 400, 'Specified parameter Version is not valid.'),
  UnsupportedHTTPMethod: spec('UnsupportedHTTPMethod', 405, 'This http method is not supported.'),
  InvalidAccessKeyIdNotFound: spec('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'),
  InvalidAccessKeyIdInactive: spec('InvalidAccessKeyId.Inactive', 400, 'Specified access key is disabled.'),
  InvalidSecurityTokenExpired: spec('InvalidSecurityToken.Expired', 400, 'Specified SecurityToken is expired.'),
  InvalidSecurityTokenMalformed: spec('InvalidSecurityToken.Malformed', 400, 'Specified SecurityToken is malformed.'),
  InvalidSecurityTokenMismatch: spec('InvalidSecurityToken.MismatchWithAccessKey', 400,
    'Specified SecurityToken mismatch with the AccessKey.'),
  SignatureDoesNotMatch: spec('SignatureDoesNotMatch', 400, 'Specified signature is not matched with our calculation.'),
  IncompleteSignature: spec('IncompleteSignature', 400, 'The request signature does not conform to Aliyun standards.'),
  InvalidSignatureMethod: spec('InvalidSignatureMethod', 400, 'Specified signature method is not supported.'),
  InvalidSignatureVersion: spec('InvalidSignatureVersion', 400, 'Specified signature version is not supported.'),
  SignatureNonceUsed: spec('SignatureNonceUsed', 400, 'Specified signature nonce was used already.'),
  InvalidTimeStampExpired: spec('InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.'),
  InvalidTimeStampFormat: spec('InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.'),
  ContentSHA256NotMatch: spec('ContentSHA256NotMatch', 400, 'The x-acs-content-sha256 header does not match the request body.'),
  DuplicateParameter: spec('InvalidParameter.Duplicate', 400, 'The parameter %s is specified more than once.'),
  InvalidEncoding: spec('InvalidParameter.Encoding', 400, 'The request contains a parameter that is not valid UTF-8 percent-encoding.'),
  RequestTooLarge: spec('RequestEntityTooLarge', 413, 'The request body is too large.'),
  RequestHeaderTooLarge: spec('RequestHeaderFieldsTooLarge', 431, 'The request line and headers are too large (16 KiB at most).'),
  MalformedRequest: spec('MalformedRequest', 400, 'The request is not well-formed HTTP.'),
  RequestTimeout: spec('RequestTimeout', 408, 'The request was not received in time.'),
  UnsupportedFormat: spec('InvalidParameter.Format', 400, 'Specified parameter Format is not valid.'),
  InternalError: spec('InternalError', 500, 'The request processing has failed due to some unknown error, exception or failure.'),
  ServiceUnavailable: spec('ServiceUnavailable', 503, 'The request has failed due to a temporary failure of the server.'),
  Throttling: spec('Throttling.User', 400, 'Request was denied due to user flow control.'),
} as const;

/** Business errors of the ENS disk and snapshot actions. */
export const Ens = {
  InvalidParameter: spec('InvalidParameter.%s', 400, 'The specified field %s invalid. Please check it again.'),
  DiskNotFound: spec('InvalidDiskId.NotFound', 404, 'The specified disk %s does not exist.'),
  SnapshotNotFound: spec('ERROR_SNAPSHOT_NOT_FOUND', 404, 'The specified snapshot %s does not exist.'),
  IncorrectDiskStatus: spec('IncorrectDiskStatus', 400, 'The current status of the disk %s does not support this operation.'),
  SnapshotStatusNotMatch: spec('DISK_SNAPSHOT_STATUS_NOT_MATCH', 400, 'The current status of the snapshot %s does not support this operation.'),
  TagQuotaExceeded: spec('QuotaExceed.TagNum', 400, 'The resource %s would hold more than 20 tags.'),
  SnapshotCopyInProgress: spec('ERROR_SNAPSHOT_COPY_IN_PROGRESS', 400, 'The snapshot %s is being copied to another node.'),
  SnapshotCloneDiskNotNull: spec('SNAPSHOT_CLONE_DISK_NOT_NULL', 400, 'A disk created from the snapshot %s is still being created from it.'),
  InstanceNotFound: spec('InstanceIdNotFound', 404, 'The specified instance %s does not exist.'),
  IncorrectInstanceStatus: spec('IncorrectInstanceStatus', 400, 'The current status of the instance %s does not support this operation.'),
} as const;

/** Errors of the operator API under `/admin/v1/` (same envelope as the ENS API). */
export const Admin = {
  Unauthorized: spec('Admin.Unauthorized', 401, 'The admin token is missing or wrong.'),
  AccountNotFound: spec('Admin.AccountNotFound', 404, 'The account %s does not exist.'),
  InstanceHasDisks: spec('Admin.InstanceHasDisks', 409, 'The instance %s still has disks attached: detach them first.'),
  AccountNotEmpty: spec('Admin.AccountNotEmpty', 409,
    'The account %s still owns disks, snapshots or instances: delete them first.'),
  RootAccount: spec('Admin.RootAccount', 409, 'The root account cannot be deleted.'),
  AccessKeyNotFound: spec('Admin.AccessKeyNotFound', 404, 'The AccessKey %s does not exist.'),
  UserNotFound: spec('Admin.UserNotFound', 404, 'The RAM user %s does not exist.'),
  UserAlreadyExists: spec('Admin.UserAlreadyExists', 409, 'The account already has a RAM user named %s.'),
  PolicyNotFound: spec('Admin.PolicyNotFound', 404, 'The account has no policy named %s.'),
  PolicyAlreadyExists: spec('Admin.PolicyAlreadyExists', 409, 'The account already has a policy named %s.'),
  PolicyInUse: spec('Admin.PolicyInUse', 409, 'The policy %s is attached to RAM users: detach it first.'),
  PolicyAlreadyAttached: spec('Admin.PolicyAlreadyAttached', 409, 'The policy %s is already attached to the user.'),
  PolicyNotAttached: spec('Admin.PolicyNotAttached', 404, 'The policy %s is not attached to the user.'),
  MalformedPolicyDocument: spec('Admin.MalformedPolicyDocument', 400, 'The policy document is malformed: %s.'),
  FaultRuleNotFound: spec('Admin.FaultRuleNotFound', 404, 'The fault rule %s does not exist.'),
  FaultRuleExists: spec('Admin.FaultRuleExists', 409, 'A fault rule with id %s already exists.'),
} as const;

/** The CreateSnapshot specification's table, by code (`Spec['OrderFailed']`). */
export const Spec: Readonly<Record<string, ErrorSpec>> = Object.fromEntries(
  CREATE_SNAPSHOT_ERRORS.map((e) => [e.code, e]),
);

/** Every code in the catalog, for the documentation check. */
export function allErrorSpecs(): ErrorSpec[] {
  const seen = new Map<string, ErrorSpec>();
  for (const e of [...Object.values(Gateway), ...Object.values(Ens), ...Object.values(Admin), ...CREATE_SNAPSHOT_ERRORS]) {
    if (!seen.has(e.code)) seen.set(e.code, e);
  }
  return [...seen.values()];
}
