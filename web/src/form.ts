// Form values are strings as typed; these turn them into exactly the input a mutation needs.

export type Values = Record<string, string>;

/** The shown fields whose value differs from the value first shown (after trimming). */
export function changedFields(initial: Values, current: Values): string[] {
  return Object.keys(current).filter((k) => (current[k] ?? '').trim() !== (initial[k] ?? '').trim());
}

/** A typed value for a partial update: trimmed, and null when blank (the API clears the field). */
export function optional(value: string | undefined): string | null {
  const trimmed = (value ?? '').trim();
  return trimmed === '' ? null : trimmed;
}

/** A required string: trimmed, and sent as typed even when blank so the API names the field. */
export function required(value: string | undefined): string {
  return (value ?? '').trim();
}

/**
 * A partial update: only the changed fields among `names`, each converted by `convert`.
 * Fields not shown are never sent, so a form cannot clear what it did not ask for.
 */
export function pick<T>(
  initial: Values,
  current: Values,
  names: readonly string[],
  convert: (name: string, value: string) => T,
): Record<string, T> {
  const changed = new Set(changedFields(initial, current));
  const out: Record<string, T> = {};
  for (const name of names) if (changed.has(name)) out[name] = convert(name, current[name] ?? '');
  return out;
}

export const ADDRESS_FIELDS = ['line1', 'line2', 'postalCode', 'city', 'region', 'country'] as const;

interface AddressLike {
  line1: string;
  line2?: string | null;
  postalCode: string;
  city: string;
  region?: string | null;
  country: string;
}

/** The address fields as form values under an "address." prefix. */
export function addressValues(address: AddressLike | null | undefined): Values {
  const out: Values = {};
  for (const f of ADDRESS_FIELDS) out[`address.${f}`] = (address?.[f] ?? '') as string;
  return out;
}

/**
 * The address replaces the stored one as a whole, so any change sends all of it; an emptied
 * address is null (cleared) where the API allows that, otherwise its blank fields are sent for the
 * API to name.
 */
export function addressInput(
  initial: Values,
  current: Values,
  { clearable }: { clearable: boolean },
): { address?: AddressLike | null } {
  const names = ADDRESS_FIELDS.map((f) => `address.${f}`);
  if (!changedFields(pickKeys(initial, names), pickKeys(current, names)).length) return {};
  if (clearable && names.every((n) => !(current[n] ?? '').trim())) return { address: null };
  return {
    address: {
      line1: required(current['address.line1']),
      line2: optional(current['address.line2']),
      postalCode: required(current['address.postalCode']),
      city: required(current['address.city']),
      region: optional(current['address.region']),
      country: required(current['address.country']).toUpperCase(),
    },
  };
}

function pickKeys(values: Values, names: readonly string[]): Values {
  return Object.fromEntries(names.map((n) => [n, values[n] ?? '']));
}
