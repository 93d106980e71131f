import type { FormEvent } from 'react';
import { useMutation } from 'urql';
import { Field } from '../components/Field';
import { FormStatus, Submit } from '../components/FormStatus';
import { Screen } from '../components/Screen';
import { graphql } from '../gql';
import { useForm } from '../useForm';

const ChangePasswordMutation = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      revokedSessions
      errors {
        field
        code
        message
      }
    }
  }
`);

export function ChangePasswordScreen() {
  const empty = { currentPassword: '', newPassword: '' };
  const form = useForm(empty);
  const [, change] = useMutation(ChangePasswordMutation);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const data = await form.submit(
      () => change({ input: { currentPassword: form.values['currentPassword']!, newPassword: form.values['newPassword']! } }),
      (d) => d.changePassword,
    );
    if (!data) return;
    form.reset(empty);
    const n = data.changePassword.revokedSessions;
    form.setNotice(`Your password was changed. ${n === 1 ? '1 other session was' : `${n} other sessions were`} signed out.`);
  };
  return (
    <Screen title="Change Password">
      <form onSubmit={onSubmit} noValidate aria-label="Change password">
        <FormStatus form={form} />
        <Field form={form} name="currentPassword" label="Old password" type="password" autoComplete="current-password" />
        <Field
          form={form}
          name="newPassword"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="12 characters or more; not a common password, and not containing your email name or your names."
        />
        <div className="actions">
          <Submit form={form} label="Done" />
        </div>
      </form>
    </Screen>
  );
}
