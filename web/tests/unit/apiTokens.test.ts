import { describe, expect, test } from 'vitest';
import { SCOPE_LABELS, tokenStatus } from '../../src/screens/ApiTokens';

describe('tokenStatus', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  test('a live token says when it expires', () => {
    expect(tokenStatus({ revokedAt: null, expiresAt: '2026-07-01T12:00:00Z' }, now)).toMatch(/^Expires /);
  });
  test('an expired one says so', () => {
    expect(tokenStatus({ revokedAt: null, expiresAt: '2026-05-01T12:00:00Z' }, now)).toMatch(/^Expired /);
  });
  test('revocation wins over expiry', () => {
    expect(tokenStatus({ revokedAt: '2026-05-02T12:00:00Z', expiresAt: '2026-05-01T12:00:00Z' }, now)).toMatch(/^Revoked /);
  });
});

test('every scope has words for people', () => {
  expect(Object.keys(SCOPE_LABELS).sort()).toEqual(
    ['ACCOUNT_READ', 'ACCOUNT_WRITE', 'AUDIT_READ', 'BILLING_READ', 'PROFILE_READ', 'PROFILE_WRITE', 'TRANSFERS_RESOLVE', 'TRANSFERS_WRITE'],
  );
});
