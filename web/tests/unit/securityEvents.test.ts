import { describe, expect, test } from 'vitest';
import { actionLabel, failureLabel } from '../../src/components/securityEvents';

describe('the security log in words', () => {
  test('names known actions and keeps unknown ones readable', () => {
    expect(actionLabel('session.create')).toBe('Signed in');
    expect(actionLabel('security.activity_reported')).toContain("This wasn't me");
    expect(actionLabel('token.create')).toBe('token.create');
  });

  test('says why a sign-in was refused', () => {
    expect(failureLabel('session.create_failed', 'WRONG_PASSWORD')).toBe('Wrong password');
    expect(failureLabel('session.create_failed', 'SOMETHING_NEW')).toBe('SOMETHING_NEW');
    expect(failureLabel('session.create_failed', null)).toBe('Refused');
    expect(failureLabel('session.create', null)).toBeNull();
  });
});
