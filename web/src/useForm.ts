import { useCallback, useRef, useState } from 'react';
import type { OperationResult } from 'urql';
import { isUnauthenticated, mapUserErrors, NO_ERRORS, requestFailure, type MappedErrors, type UserErrorLike } from './errors';
import type { Values } from './form';

export interface Payload {
  errors: readonly UserErrorLike[];
}

export interface FormState {
  values: Values;
  initial: Values;
  errors: MappedErrors;
  submitting: boolean;
  notice: string | null;
  set: (name: string, value: string) => void;
  reset: (values: Values) => void;
  setNotice: (notice: string | null) => void;
  /** Show a sentence at the top of the form (a failure outside the API, e.g. in the browser). */
  fail: (message: string) => void;
  /** Fields call this while they are on screen: an error for a field not shown goes to the top. */
  register: (name: string) => () => void;
  /**
   * Run one change: ignores a second submit while the first is in flight, and sorts the payload's
   * UserErrors onto the shown fields. Resolves to the data on success, or null.
   */
  submit: <T>(run: () => Promise<OperationResult<T>>, payloadOf: (data: T) => Payload | null | undefined) => Promise<T | null>;
}

export function useForm(start: Values): FormState {
  const [values, setValues] = useState(start);
  const [initial, setInitial] = useState(start);
  const [errors, setErrors] = useState<MappedErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const inFlight = useRef(false);
  const shown = useRef(new Map<string, number>());

  const register = useCallback((name: string) => {
    shown.current.set(name, (shown.current.get(name) ?? 0) + 1);
    return () => {
      const left = (shown.current.get(name) ?? 1) - 1;
      if (left) shown.current.set(name, left);
      else shown.current.delete(name);
    };
  }, []);

  const set = useCallback((name: string, value: string) => setValues((v) => ({ ...v, [name]: value })), []);
  const reset = useCallback((next: Values) => {
    setValues(next);
    setInitial(next);
    setErrors(NO_ERRORS);
  }, []);

  const submit = useCallback(
    async <T,>(run: () => Promise<OperationResult<T>>, payloadOf: (data: T) => Payload | null | undefined) => {
      if (inFlight.current) return null;
      inFlight.current = true;
      setSubmitting(true);
      setNotice(null);
      try {
        const result = await run();
        if (result.error) {
          // Not signed in: the client takes the user to sign-in and back; nothing to show here.
          const form = isUnauthenticated(result.error.graphQLErrors) ? [] : [requestFailure(result.error)];
          setErrors({ ...NO_ERRORS, form });
          return null;
        }
        const payload = result.data ? payloadOf(result.data) : null;
        const mapped = mapUserErrors(payload?.errors ?? [], [...shown.current.keys()]);
        setErrors(mapped);
        return mapped.form.length || Object.keys(mapped.fields).length || mapped.versionConflict ? null : (result.data ?? null);
      } finally {
        inFlight.current = false;
        setSubmitting(false);
      }
    },
    [],
  );

  const fail = useCallback((message: string) => setErrors({ ...NO_ERRORS, form: [message] }), []);

  return { values, initial, errors, submitting, notice, set, reset, setNotice, fail, register, submit };
}
