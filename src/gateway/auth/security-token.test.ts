import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { isApiError } from '../../kernel/errors.js';
import { checkSecurityToken } from './security-token.js';

const SHAPE = /^CAIS[A-Za-z0-9]{8}$/;
const TOKEN = 'CAISabcd1234';
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const expected = { tokenSha256: sha(TOKEN), expiresAt: 10_000, shape: SHAPE };

function code(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isApiError(err));
    return err.code;
  }
  return 'ok';
}

describe('checkSecurityToken', () => {
  it('accepts the issued token before its expiration', () => {
    assert.equal(code(() => checkSecurityToken(TOKEN, expected, 9_999)), 'ok');
  });

  it('answers missing, malformed, mismatched and expired in that order', () => {
    assert.equal(code(() => checkSecurityToken(undefined, expected, 0)), 'MissingSecurityToken');
    assert.equal(code(() => checkSecurityToken('CAIS.FAKE+sts/token==', expected, 99_999)), 'InvalidSecurityToken.Malformed');
    assert.equal(code(() => checkSecurityToken('CAISabcd1235', expected, 99_999)), 'InvalidSecurityToken.MismatchWithAccessKey');
    assert.equal(code(() => checkSecurityToken(TOKEN, expected, 10_000)), 'InvalidSecurityToken.Expired');
  });

  it('ignores a token sent with a permanent AccessKey', () => {
    assert.equal(code(() => checkSecurityToken('anything', { shape: SHAPE }, 0)), 'ok');
    assert.equal(code(() => checkSecurityToken(undefined, { shape: SHAPE }, 0)), 'ok');
  });
});
