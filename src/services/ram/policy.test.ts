/** RAM policy parsing and evaluation: a table of decisions, then the documents that must be refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuthorizationRequest, type Decision, MAX_POLICY_LENGTH, PolicyError, evaluate, parsePolicy } from './policy.js';
import { wildcardMatch } from './wildcard.js';

const ACCOUNT = '1000000000000001';
const OTHER = '1000000000000002';
const disk = (id: string, region = 'cn-hangzhou-telecom', account = ACCOUNT): string => `acs:ens:${region}:${account}:disk/${id}`;
const snap = (id: string, region = 'cn-hangzhou-telecom', account = ACCOUNT): string => `acs:ens:${region}:${account}:snapshot/${id}`;

type Stmt = Record<string, unknown>;
const doc = (...statements: Stmt[]): string => JSON.stringify({ Version: '1', Statement: statements });
const allow = (action: unknown, resource: unknown = '*', extra: Stmt = {}): Stmt => ({ Effect: 'Allow', Action: action, Resource: resource, ...extra });
const deny = (action: unknown, resource: unknown = '*', extra: Stmt = {}): Stmt => ({ Effect: 'Deny', Action: action, Resource: resource, ...extra });

const NOON = Date.parse('2026-11-28T12:00:00Z');

interface Case { name: string; policies: string[]; request: AuthorizationRequest; expect: Decision }

const cases: Case[] = [
  { name: 'no policy at all: deny by default', policies: [], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1')] }, expect: 'ImplicitDeny' },
  { name: 'exact action, any resource', policies: [doc(allow('ens:CreateSnapshot'))], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: 'another action is not covered', policies: [doc(allow('ens:CreateSnapshot'))], request: { action: 'ens:DeleteSnapshot', resources: [snap('s-1')] }, expect: 'ImplicitDeny' },
  { name: 'action name compares case-insensitively', policies: [doc(allow('ens:createsnapshot'))], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: 'service prefix compares case-insensitively', policies: [doc(allow('ENS:CreateSnapshot'))], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: 'prefix wildcard Describe*', policies: [doc(allow('ens:Describe*'))], request: { action: 'ens:DescribeSnapshots', resources: ['*'] }, expect: 'Allow' },
  { name: 'Describe* does not cover Delete', policies: [doc(allow('ens:Describe*'))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')] }, expect: 'ImplicitDeny' },
  { name: 'ens:* covers every ENS action', policies: [doc(allow('ens:*'))], request: { action: 'ens:ResetDisk', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: 'ens:* does not cover another service', policies: [doc(allow('ens:*'))], request: { action: 'ecs:ResetDisk', resources: [disk('d-1')] }, expect: 'ImplicitDeny' },
  { name: 'bare * covers everything', policies: [doc(allow('*'))], request: { action: 'ecs:RunInstances', resources: ['*'] }, expect: 'Allow' },
  { name: '? matches exactly one character', policies: [doc(allow('ens:?eleteDisk'))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: '? does not match zero characters', policies: [doc(allow('ens:Delete?Disk'))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')] }, expect: 'ImplicitDeny' },
  { name: 'action list: any entry matches', policies: [doc(allow(['ens:DescribeDisks', 'ens:CreateSnapshot']))], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: 'resource ARN with region wildcard', policies: [doc(allow('ens:CreateSnapshot', `acs:ens:*:${ACCOUNT}:disk/d-123`))], request: { action: 'ens:CreateSnapshot', resources: [disk('d-123')] }, expect: 'Allow' },
  { name: 'resource of another account does not match', policies: [doc(allow('ens:CreateSnapshot', `acs:ens:*:${ACCOUNT}:disk/*`))], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1', 'cn-hangzhou-telecom', OTHER)] }, expect: 'ImplicitDeny' },
  { name: 'resource type/* in one region', policies: [doc(allow('ens:DeleteSnapshot', 'acs:ens:cn-hangzhou-telecom:*:snapshot/*'))], request: { action: 'ens:DeleteSnapshot', resources: [snap('s-9')] }, expect: 'Allow' },
  { name: 'resource in another region does not match', policies: [doc(allow('ens:DeleteSnapshot', 'acs:ens:cn-hangzhou-telecom:*:snapshot/*'))], request: { action: 'ens:DeleteSnapshot', resources: [snap('s-9', 'cn-beijing-unicom')] }, expect: 'ImplicitDeny' },
  { name: 'resource ids compare case-sensitively', policies: [doc(allow('ens:DeleteDisk', disk('d-abc')))], request: { action: 'ens:DeleteDisk', resources: [disk('d-ABC')] }, expect: 'ImplicitDeny' },
  { name: 'disk/* does not cover snapshots', policies: [doc(allow('ens:*', `acs:ens:*:${ACCOUNT}:disk/*`))], request: { action: 'ens:DeleteSnapshot', resources: [snap('s-1')] }, expect: 'ImplicitDeny' },
  { name: '? in a resource id', policies: [doc(allow('ens:DeleteDisk', `acs:ens:*:${ACCOUNT}:disk/d-?`))], request: { action: 'ens:DeleteDisk', resources: [disk('d-7')] }, expect: 'Allow' },
  { name: 'Deny with a wildcard beats an exact Allow', policies: [doc(allow('ens:DeleteSnapshot', snap('s-1')), deny('ens:Delete*'))], request: { action: 'ens:DeleteSnapshot', resources: [snap('s-1')] }, expect: 'ExplicitDeny' },
  { name: 'Deny in another policy still wins', policies: [doc(allow('*')), doc(deny('ens:CreateSnapshot', `acs:ens:*:*:disk/*`))], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1')] }, expect: 'ExplicitDeny' },
  { name: 'Deny on another resource does not touch this one', policies: [doc(allow('ens:*'), deny('ens:*', disk('d-2')))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: 'Deny for another action does not touch this one', policies: [doc(allow('ens:*'), deny('ens:DeleteDisk'))], request: { action: 'ens:DescribeDisks', resources: ['*'] }, expect: 'Allow' },
  { name: 'Deny alone is an explicit deny', policies: [doc(deny('ens:*'))], request: { action: 'ens:DescribeDisks', resources: ['*'] }, expect: 'ExplicitDeny' },
  { name: 'several resources: all allowed', policies: [doc(allow('ens:TagResources', [disk('d-1'), disk('d-2')]))], request: { action: 'ens:TagResources', resources: [disk('d-1'), disk('d-2')] }, expect: 'Allow' },
  { name: 'several resources: one not allowed → implicit deny', policies: [doc(allow('ens:TagResources', disk('d-1')))], request: { action: 'ens:TagResources', resources: [disk('d-1'), disk('d-2')] }, expect: 'ImplicitDeny' },
  { name: 'several resources: one explicitly denied → explicit deny', policies: [doc(allow('ens:*'), deny('ens:*', disk('d-2')))], request: { action: 'ens:TagResources', resources: [disk('d-1'), disk('d-2')] }, expect: 'ExplicitDeny' },
  { name: 'resource-less action needs Resource "*"', policies: [doc(allow('ens:DescribeEnsRegions', `acs:ens:*:${ACCOUNT}:*`))], request: { action: 'ens:DescribeEnsRegions', resources: ['*'] }, expect: 'ImplicitDeny' },
  { name: 'an empty resource list is asked as "*"', policies: [doc(allow('ens:DescribeEnsRegions'))], request: { action: 'ens:DescribeEnsRegions', resources: [] }, expect: 'Allow' },
  { name: 'NotAction Allow: everything but the listed', policies: [doc({ Effect: 'Allow', NotAction: 'ens:Delete*', Resource: '*' })], request: { action: 'ens:CreateSnapshot', resources: [disk('d-1')] }, expect: 'Allow' },
  { name: 'NotAction Allow: the listed are not granted', policies: [doc({ Effect: 'Allow', NotAction: 'ens:Delete*', Resource: '*' })], request: { action: 'ens:DeleteSnapshot', resources: [snap('s-1')] }, expect: 'ImplicitDeny' },
  { name: 'NotAction Deny: denies all but the listed', policies: [doc(allow('*'), { Effect: 'Deny', NotAction: ['ens:Describe*'], Resource: '*' })], request: { action: 'ens:CreateDisk', resources: ['*'] }, expect: 'ExplicitDeny' },
  { name: 'NotAction Deny: the listed stay allowed', policies: [doc(allow('*'), { Effect: 'Deny', NotAction: ['ens:Describe*'], Resource: '*' })], request: { action: 'ens:DescribeDisks', resources: ['*'] }, expect: 'Allow' },
  { name: 'IpAddress condition holds', policies: [doc(allow('ens:*', '*', { Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '192.168.1.7'] } } }))], request: { action: 'ens:DescribeDisks', resources: ['*'], context: { sourceIp: '10.20.30.40' } }, expect: 'Allow' },
  { name: 'IpAddress condition fails', policies: [doc(allow('ens:*', '*', { Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }))], request: { action: 'ens:DescribeDisks', resources: ['*'], context: { sourceIp: '11.0.0.1' } }, expect: 'ImplicitDeny' },
  { name: 'IPv4-mapped IPv6 source address', policies: [doc(allow('ens:*', '*', { Condition: { IpAddress: { 'acs:SourceIp': '127.0.0.1' } } }))], request: { action: 'ens:DescribeDisks', resources: ['*'], context: { sourceIp: '::ffff:127.0.0.1' } }, expect: 'Allow' },
  { name: 'Deny unless from the office (NotIpAddress)', policies: [doc(allow('*'), deny('*', '*', { Condition: { NotIpAddress: { 'acs:SourceIp': '192.168.0.0/16' } } }))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')], context: { sourceIp: '8.8.8.8' } }, expect: 'ExplicitDeny' },
  { name: 'Deny whose condition is false does not apply', policies: [doc(allow('*'), deny('*', '*', { Condition: { NotIpAddress: { 'acs:SourceIp': '192.168.0.0/16' } } }))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')], context: { sourceIp: '192.168.3.4' } }, expect: 'Allow' },
  { name: 'Deny condition with a missing key applies (fail closed)', policies: [doc(allow('*'), deny('*', '*', { Condition: { Bool: { 'acs:MFAPresent': 'false' } } }))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')] }, expect: 'ExplicitDeny' },
  { name: 'Allow condition with a missing key does not apply', policies: [doc(allow('*', '*', { Condition: { Bool: { 'acs:SecureTransport': 'true' } } }))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')] }, expect: 'ImplicitDeny' },
  { name: 'Bool SecureTransport true', policies: [doc(allow('*', '*', { Condition: { Bool: { 'acs:SecureTransport': true } } }))], request: { action: 'ens:DeleteDisk', resources: [disk('d-1')], context: { secureTransport: true } }, expect: 'Allow' },
  { name: 'DateLessThan before the deadline', policies: [doc(allow('*', '*', { Condition: { DateLessThan: { 'acs:CurrentTime': '2026-11-28T20:00:00+08:00' } } }))], request: { action: 'ens:CreateDisk', resources: ['*'], context: { currentTime: NOON - 1 } }, expect: 'Allow' },
  { name: 'DateLessThan at the deadline is over', policies: [doc(allow('*', '*', { Condition: { DateLessThan: { 'acs:CurrentTime': '2026-11-28T20:00:00+08:00' } } }))], request: { action: 'ens:CreateDisk', resources: ['*'], context: { currentTime: NOON } }, expect: 'ImplicitDeny' },
  { name: 'all conditions must hold (AND)', policies: [doc(allow('*', '*', { Condition: { Bool: { 'acs:SecureTransport': 'true' }, IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }))], request: { action: 'ens:CreateDisk', resources: ['*'], context: { secureTransport: true, sourceIp: '9.9.9.9' } }, expect: 'ImplicitDeny' },
  { name: 'StringLike on the source address', policies: [doc(allow('*', '*', { Condition: { StringLike: { 'acs:sourceip': '10.1.*' } } }))], request: { action: 'ens:CreateDisk', resources: ['*'], context: { sourceIp: '10.1.2.3' } }, expect: 'Allow' },
  { name: 'StringNotEquals: none of the values', policies: [doc(deny('*', '*', { Condition: { StringNotEquals: { 'acs:SourceIp': ['1.1.1.1', '2.2.2.2'] } } }), allow('*'))], request: { action: 'ens:CreateDisk', resources: ['*'], context: { sourceIp: '2.2.2.2' } }, expect: 'Allow' },
];

describe('RAM policy evaluation', () => {
  for (const c of cases) {
    it(c.name, () => assert.equal(evaluate(c.request, c.policies.map(parsePolicy)), c.expect));
  }
});

interface Bad { name: string; json: string; path: string; reason: RegExp }

const bad: Bad[] = [
  { name: 'not JSON', json: '{"Version":"1",', path: '', reason: /not valid JSON/ },
  { name: 'not an object', json: '[]', path: '', reason: /JSON object/ },
  { name: 'wrong version', json: JSON.stringify({ Version: '2', Statement: [allow('*')] }), path: 'Version', reason: /"1"/ },
  { name: 'version as a number', json: JSON.stringify({ Version: 1, Statement: [allow('*')] }), path: 'Version', reason: /"1"/ },
  { name: 'unknown top-level element', json: JSON.stringify({ Version: '1', Statement: [allow('*')], Id: 'x' }), path: 'Id', reason: /unknown element/ },
  { name: 'Statement is an object', json: JSON.stringify({ Version: '1', Statement: allow('*') }), path: 'Statement', reason: /non-empty array/ },
  { name: 'empty Statement', json: doc(), path: 'Statement', reason: /non-empty array/ },
  { name: 'statement is a string', json: JSON.stringify({ Version: '1', Statement: ['x'] }), path: 'Statement[0]', reason: /object/ },
  { name: 'Effect in lower case', json: doc({ Effect: 'allow', Action: '*', Resource: '*' }), path: 'Statement[0].Effect', reason: /"Allow" or "Deny"/ },
  { name: 'no Action nor NotAction', json: doc({ Effect: 'Allow', Resource: '*' }), path: 'Statement[0]', reason: /exactly one of Action and NotAction/ },
  { name: 'both Action and NotAction', json: doc({ Effect: 'Allow', Action: '*', NotAction: 'ens:*', Resource: '*' }), path: 'Statement[0]', reason: /exactly one/ },
  { name: 'action without service', json: doc(allow('CreateSnapshot')), path: 'Statement[0].Action', reason: /<ram-code>:<action-name>/ },
  { name: 'action with spaces', json: doc(allow(['ens:Describe*', 'ens:Create Snapshot'])), path: 'Statement[0].Action[1]', reason: /not an action/ },
  { name: 'empty action list', json: doc(allow([])), path: 'Statement[0].Action', reason: /empty list/ },
  { name: 'action is a number', json: doc(allow(7)), path: 'Statement[0].Action', reason: /non-empty string/ },
  { name: 'no Resource', json: doc({ Effect: 'Allow', Action: '*' }), path: 'Statement[0]', reason: /needs a Resource/ },
  { name: 'resource not an ARN', json: doc(allow('*', 'disk/d-1')), path: 'Statement[0].Resource', reason: /acs:<ram-code>/ },
  { name: 'ARN with too few parts', json: doc(allow('*', 'acs:ens:*:disk/d-1')), path: 'Statement[0].Resource', reason: /not a resource/ },
  { name: 'NotResource is refused', json: doc({ Effect: 'Allow', Action: '*', NotResource: '*' }), path: 'Statement[0].NotResource', reason: /unsupported element/ },
  { name: 'Principal is refused', json: doc(allow('*', '*', { Principal: { RAM: ['*'] } })), path: 'Statement[0].Principal', reason: /unsupported element/ },
  { name: 'unknown condition key', json: doc(deny('*', '*', { Condition: { StringEquals: { 'acs:ResourceTag/team': 'dev' } } })), path: 'Statement[0].Condition.StringEquals.acs:ResourceTag/team', reason: /unsupported condition key/ },
  { name: 'unknown operator', json: doc(deny('*', '*', { Condition: { StringEqualz: { 'acs:SourceIp': '1.1.1.1' } } })), path: 'Statement[0].Condition.StringEqualz.acs:SourceIp', reason: /not supported/ },
  { name: 'operator of the wrong type for the key', json: doc(deny('*', '*', { Condition: { DateLessThan: { 'acs:SourceIp': '1.1.1.1' } } })), path: 'Statement[0].Condition.DateLessThan.acs:SourceIp', reason: /not supported for acs:SourceIp/ },
  { name: 'Bool with two values', json: doc(deny('*', '*', { Condition: { Bool: { 'acs:MFAPresent': ['true', 'false'] } } })), path: 'Statement[0].Condition.Bool.acs:MFAPresent', reason: /exactly one value/ },
  { name: 'Bool with a non-boolean', json: doc(deny('*', '*', { Condition: { Bool: { 'acs:MFAPresent': 'yes' } } })), path: 'Statement[0].Condition.Bool.acs:MFAPresent', reason: /"true" or "false"/ },
  { name: 'bad CIDR', json: doc(deny('*', '*', { Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/33'] } } })), path: 'Statement[0].Condition.IpAddress.acs:SourceIp[0]', reason: /IPv4/ },
  { name: 'IPv6 range', json: doc(deny('*', '*', { Condition: { IpAddress: { 'acs:SourceIp': '2001:db8::/32' } } })), path: 'Statement[0].Condition.IpAddress.acs:SourceIp', reason: /IPv6 is not supported/ },
  { name: 'date without a zone', json: doc(deny('*', '*', { Condition: { DateLessThan: { 'acs:CurrentTime': '2026-11-28T20:00:00' } } })), path: 'Statement[0].Condition.DateLessThan.acs:CurrentTime', reason: /ISO 8601/ },
  { name: 'condition value empty list', json: doc(deny('*', '*', { Condition: { Bool: { 'acs:MFAPresent': [] } } })), path: 'Statement[0].Condition.Bool.acs:MFAPresent', reason: /at least one value/ },
  { name: 'condition not an object', json: doc(deny('*', '*', { Condition: 'x' })), path: 'Statement[0].Condition', reason: /object of operators/ },
  { name: 'too long', json: doc(allow(Array.from({ length: 400 }, (_, i) => `ens:Action${i}`))), path: '', reason: new RegExp(`longer than ${MAX_POLICY_LENGTH}`) },
];

describe('RAM policy documents refused', () => {
  for (const b of bad) {
    it(b.name, () => {
      assert.throws(() => parsePolicy(b.json), (err: unknown) => {
        assert.ok(err instanceof PolicyError, String(err));
        assert.equal(err.path, b.path);
        assert.match(err.reason, b.reason);
        assert.equal(err.message, b.path ? `${b.path}: ${err.reason}` : err.reason);
        return true;
      });
    });
  }

  it('keeps what it parsed', () => {
    const p = parsePolicy(doc({ Effect: 'Deny', NotAction: 'ens:Describe*', Resource: [disk('d-1')], Condition: {} }));
    assert.deepEqual(p.statements[0] && { ...p.statements[0] }, {
      effect: 'Deny', actions: ['ens:Describe*'], notAction: true, resources: [disk('d-1')], conditions: [],
    });
  });
});

describe('wildcard matching', () => {
  const table: [string, string, boolean][] = [
    ['*', '', true], ['a*', 'a', true], ['*b', 'ab', true], ['a*c', 'abbbc', true], ['a*c', 'abbb', false],
    ['a?c', 'abc', true], ['a?c', 'ac', false], ['**', 'x', true], ['a*b*c', 'aXbYbZc', true], ['abc', 'abcd', false],
  ];
  for (const [p, v, want] of table) it(`${p} ~ ${JSON.stringify(v)} is ${want}`, () => assert.equal(wildcardMatch(p, v), want));
  it('stays linear on a hostile pattern', () => {
    assert.equal(wildcardMatch('*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000)), false);
  });
});
