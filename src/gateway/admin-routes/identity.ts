/**
 * Admin routes: accounts, AccessKeys, RAM users, policies and their attachments, STS credentials. A secret
 * (AccessKeySecret, SecurityToken) appears only in the answer of the route that creates it; listings never
 * carry one. Unknown ids answer `Admin.AccountNotFound`, `Admin.AccessKeyNotFound`, `Admin.UserNotFound`.
 */
import { apiError } from '../../kernel/errors.js';
import { Ens, Gateway } from '../../kernel/catalog.js';
import { isoSeconds } from '../../kernel/clock.js';
import type { AccountRecord, KeyInfo, RamPolicyRecord, RamUserRecord } from '../../services/index.js';
import type { AdminRoute } from './route.js';
import { optionalNumber, requiredText } from './fields.js';

type Body = Record<string, unknown>;

const accountBody = (a: AccountRecord): Body => ({ AccountId: a.id, AccountName: a.name, CreationTime: isoSeconds(a.createdAt) });

const keyBody = (k: KeyInfo, secret?: string): Body => ({
  AccessKeyId: k.id, ...(secret === undefined ? {} : { AccessKeySecret: secret }), AccountId: k.accountId,
  ...(k.userId === '' ? {} : { UserId: k.userId }), Status: k.status, CreationTime: isoSeconds(k.createdAt),
});

const userBody = (u: RamUserRecord): Body => ({
  UserId: u.id, UserName: u.name, AccountId: u.accountId, Status: u.status, CreationTime: isoSeconds(u.createdAt),
});

const policyBody = (p: RamPolicyRecord): Body => ({
  PolicyName: p.name, AccountId: p.accountId, PolicyDocument: p.document, CreationTime: isoSeconds(p.createdAt),
});

/** The policy document as JSON text: a string as given, or an object (serialised). */
function policyDocument(body: Readonly<Body>): string {
  const v = body.document;
  if (v === undefined || v === null || v === '') throw apiError(Gateway.MissingParameter, 'Document');
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && !Array.isArray(v)) return JSON.stringify(v);
  throw apiError(Ens.InvalidParameter, 'Document');
}

const ACCOUNT_ROUTES: readonly AdminRoute[] = [
  {
    method: 'POST', path: '/accounts', fields: ['name'],
    async handle({ body }, services) {
      const made = await services.accounts.createAccount(requiredText(body, 'name', 64));
      const key: KeyInfo = {
        id: made.accessKeyId, accountId: made.accountId, userId: '', status: 'Active', createdAt: made.createdAt,
      };
      return {
        status: 201,
        body: {
          Account: accountBody({ id: made.accountId, name: made.name, createdAt: made.createdAt }),
          AccessKey: keyBody(key, made.accessKeySecret),
        },
      };
    },
  },
  {
    method: 'GET', path: '/accounts',
    async handle(_req, services) {
      return { body: { Accounts: (await services.accounts.listAccounts()).map(accountBody) } };
    },
  },
  {
    method: 'DELETE', path: '/accounts/:id',
    async handle({ params }, services) {
      await services.accounts.deleteAccount(params.id!);
      return { body: {} };
    },
  },
  {
    method: 'POST', path: '/accounts/:id/keys',
    async handle({ params }, services) {
      const { key, secret } = await services.accounts.createKey(params.id!);
      return { status: 201, body: { AccessKey: keyBody(key, secret) } };
    },
  },
  {
    method: 'GET', path: '/accounts/:id/keys',
    async handle({ params }, services) {
      return { body: { AccessKeys: (await services.accounts.listKeys(params.id!)).map((k) => keyBody(k)) } };
    },
  },
  {
    method: 'POST', path: '/keys/:id/disable',
    async handle({ params }, services) {
      return { body: { AccessKey: keyBody(await services.accounts.setKeyStatus(params.id!, 'Inactive')) } };
    },
  },
  {
    method: 'POST', path: '/keys/:id/enable',
    async handle({ params }, services) {
      return { body: { AccessKey: keyBody(await services.accounts.setKeyStatus(params.id!, 'Active')) } };
    },
  },
  {
    method: 'DELETE', path: '/keys/:id',
    async handle({ params }, services) {
      await services.accounts.deleteKey(params.id!);
      return { body: {} };
    },
  },
];

const USER_ROUTES: readonly AdminRoute[] = [
  {
    method: 'POST', path: '/accounts/:id/users', fields: ['name'],
    async handle({ params, body }, services) {
      const user = await services.ramUsers.create(params.id!, requiredText(body, 'name', 64));
      return { status: 201, body: { User: userBody(user) } };
    },
  },
  {
    method: 'GET', path: '/accounts/:id/users',
    async handle({ params }, services) {
      return { body: { Users: (await services.ramUsers.list(params.id!)).map(userBody) } };
    },
  },
  {
    method: 'POST', path: '/users/:id/disable',
    async handle({ params }, services) {
      return { body: { User: userBody(await services.ramUsers.setStatus(params.id!, 'Inactive')) } };
    },
  },
  {
    method: 'POST', path: '/users/:id/enable',
    async handle({ params }, services) {
      return { body: { User: userBody(await services.ramUsers.setStatus(params.id!, 'Active')) } };
    },
  },
  {
    method: 'DELETE', path: '/users/:id',
    async handle({ params }, services) {
      await services.ramUsers.delete(params.id!);
      return { body: {} };
    },
  },
  {
    method: 'POST', path: '/users/:id/keys',
    async handle({ params }, services) {
      const { key, secret } = await services.ramUsers.createKey(params.id!);
      return { status: 201, body: { AccessKey: keyBody(key, secret) } };
    },
  },
  {
    method: 'GET', path: '/users/:id/keys',
    async handle({ params }, services) {
      return { body: { AccessKeys: (await services.ramUsers.listKeys(params.id!)).map((k) => keyBody(k)) } };
    },
  },
  {
    method: 'POST', path: '/users/:id/sts-credentials', fields: ['durationSeconds'],
    async handle({ params, body }, services) {
      const duration = optionalNumber(body, 'durationSeconds', 900, 43_200) ?? 3600;
      const c = await services.sts.issue(params.id!, duration);
      return {
        status: 201,
        body: {
          Credentials: {
            AccessKeyId: c.accessKeyId, AccessKeySecret: c.accessKeySecret, SecurityToken: c.securityToken,
            Expiration: isoSeconds(c.expiresAt),
          },
          AssumedUser: { UserId: c.userId, AccountId: c.accountId },
        },
      };
    },
  },
];

const POLICY_ROUTES: readonly AdminRoute[] = [
  {
    method: 'POST', path: '/accounts/:id/policies', fields: ['name', 'document'],
    async handle({ params, body }, services) {
      const name = requiredText(body, 'name', 128);
      const policy = await services.ramPolicies.create(params.id!, name, policyDocument(body));
      return { status: 201, body: { Policy: policyBody(policy) } };
    },
  },
  {
    method: 'GET', path: '/accounts/:id/policies',
    async handle({ params }, services) {
      return { body: { Policies: (await services.ramPolicies.list(params.id!)).map(policyBody) } };
    },
  },
  {
    method: 'DELETE', path: '/accounts/:id/policies/:name',
    async handle({ params }, services) {
      await services.ramPolicies.delete(params.id!, params.name!);
      return { body: {} };
    },
  },
  {
    method: 'GET', path: '/users/:id/policies',
    async handle({ params }, services) {
      return { body: { PolicyNames: await services.ramPolicies.attachedNames(params.id!) } };
    },
  },
  {
    method: 'POST', path: '/users/:id/policies/:policyName',
    async handle({ params }, services) {
      await services.ramPolicies.attach(params.id!, params.policyName!);
      return { body: {} };
    },
  },
  {
    method: 'DELETE', path: '/users/:id/policies/:policyName',
    async handle({ params }, services) {
      await services.ramPolicies.detach(params.id!, params.policyName!);
      return { body: {} };
    },
  },
];

export const IDENTITY_ROUTES: readonly AdminRoute[] = [...ACCOUNT_ROUTES, ...USER_ROUTES, ...POLICY_ROUTES];
