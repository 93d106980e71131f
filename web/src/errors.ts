// UserError paths -> the form field that shows them. Pure functions, unit-tested.

export interface UserErrorLike {
  field: readonly string[];
  code: string;
  message: string;
}

export interface MappedErrors {
  /** Messages by field name ("address.city"), for the field its path names. */
  fields: Record<string, string[]>;
  /** Messages with an empty path, or for a field this form does not show. */
  form: string[];
  /** The record changed since it was read: offer to reload. */
  versionConflict: boolean;
}

export const NO_ERRORS: MappedErrors = { fields: {}, form: [], versionConflict: false };

/** ["input", "address", "city"] -> "address.city"; [] -> "". The leading argument name is dropped. */
export function fieldName(path: readonly string[]): string {
  return (path[0] === 'input' ? path.slice(1) : path).join('.');
}

/**
 * Sort errors onto the fields a form shows. An error whose path names a field the form does not
 * show goes to the top, so no message is ever lost; so does one whose path names a parent of shown
 * fields (e.g. ["input","address"] when the form shows address.city), since no single field owns it.
 */
export function mapUserErrors(errors: readonly UserErrorLike[], shown: readonly string[]): MappedErrors {
  const fields: Record<string, string[]> = {};
  const form: string[] = [];
  let versionConflict = false;
  for (const error of errors) {
    if (error.code === 'VERSION_CONFLICT') versionConflict = true;
    const name = fieldName(error.field);
    const target = name && shown.includes(name) ? name : undefined;
    if (target) (fields[target] ??= []).push(error.message);
    else form.push(error.message);
  }
  return { fields, form, versionConflict };
}

export function hasErrors(mapped: MappedErrors): boolean {
  return mapped.form.length > 0 || Object.keys(mapped.fields).length > 0;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** Whether a GraphQL response failed because the caller is not signed in. */
export function isUnauthenticated(errors: readonly GraphQLErrorLike[] | undefined): boolean {
  return (errors ?? []).some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED');
}

/** A sentence for a failed request that has no UserErrors (network down, FORBIDDEN, a server bug). */
export function requestFailure(error: { networkError?: Error | undefined; graphQLErrors: readonly GraphQLErrorLike[] }): string {
  if (error.networkError) return 'The server could not be reached. Check your connection and try again.';
  const code = error.graphQLErrors[0]?.extensions?.['code'];
  if (code === 'FORBIDDEN') return 'You do not have permission to do this.';
  return error.graphQLErrors[0]?.message ?? 'Something went wrong. Try again.';
}
