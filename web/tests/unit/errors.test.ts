import { describe, expect, test } from 'vitest';
import { fieldName, isUnauthenticated, mapUserErrors, requestFailure } from '../../src/errors';

const error = (field: string[], message = 'Bad.', code = 'INVALID') => ({ field, code, message });

describe('fieldName', () => {
  test('drops the input argument and joins the rest', () => {
    expect(fieldName(['input', 'address', 'city'])).toBe('address.city');
    expect(fieldName(['input', 'phone'])).toBe('phone');
    expect(fieldName([])).toBe('');
  });
});

describe('mapUserErrors', () => {
  const shown = ['phone', 'address.city', 'address.postalCode'];

  test('puts each error next to the field its path names', () => {
    const mapped = mapUserErrors([error(['input', 'address', 'city'], 'Too long.'), error(['input', 'phone'], 'Not a number.')], shown);
    expect(mapped).toEqual({ fields: { 'address.city': ['Too long.'], phone: ['Not a number.'] }, form: [], versionConflict: false });
  });

  test('an empty path goes to the top of the form', () => {
    expect(mapUserErrors([error([], 'Try later.', 'TOO_MANY_ATTEMPTS')], shown).form).toEqual(['Try later.']);
  });

  test('a field the form does not show goes to the top, so no message is lost', () => {
    const mapped = mapUserErrors([error(['input', 'email'], 'Taken.'), error(['input', 'address'], 'Incomplete.')], shown);
    expect(mapped.fields).toEqual({});
    expect(mapped.form).toEqual(['Taken.', 'Incomplete.']);
  });

  test('two errors on one field are both kept', () => {
    expect(mapUserErrors([error(['input', 'phone'], 'A.'), error(['input', 'phone'], 'B.')], shown).fields['phone']).toEqual(['A.', 'B.']);
  });

  test('a stale version is flagged for a reload offer', () => {
    const mapped = mapUserErrors([error(['input', 'expectedVersion'], 'Changed meanwhile.', 'VERSION_CONFLICT')], shown);
    expect(mapped.versionConflict).toBe(true);
    expect(mapped.form).toEqual(['Changed meanwhile.']);
  });
});

describe('request failures', () => {
  test('UNAUTHENTICATED is recognised from the error code', () => {
    expect(isUnauthenticated([{ message: 'Sign in first.', extensions: { code: 'UNAUTHENTICATED' } }])).toBe(true);
    expect(isUnauthenticated([{ message: 'No.', extensions: { code: 'FORBIDDEN' } }])).toBe(false);
    expect(isUnauthenticated(undefined)).toBe(false);
  });

  test('a sentence for network and permission failures', () => {
    expect(requestFailure({ networkError: new Error('x'), graphQLErrors: [] })).toMatch(/could not be reached/);
    expect(requestFailure({ graphQLErrors: [{ message: 'x', extensions: { code: 'FORBIDDEN' } }] })).toMatch(/permission/);
  });
});
