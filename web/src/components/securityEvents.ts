// The security log in words: what an audit action and a refusal reason mean to the person who did it.

const ACTIONS: Record<string, string> = {
  'session.create': 'Signed in',
  'session.create_failed': 'Sign-in refused',
  'session.end': 'Signed out',
  'session.revoke': 'Signed out a session',
  'mfa.challenge': 'Password accepted; second step asked',
  'mfa.login': 'Signed in with the second step',
  'passkey.login': 'Signed in with a passkey',
  'password.change': 'Password changed',
  'password.reset_request': 'Password reset code requested',
  'password.reset': 'Password reset',
  'email.change': 'Sign-in email changed',
  'mfa.enable': 'Multi-factor authentication turned on',
  'mfa.disable': 'Multi-factor authentication turned off',
  'mfa.enrollment.start': 'Started adding an authenticator app',
  'mfa.authenticator.add': 'Second factor added',
  'mfa.authenticator.rename': 'Second factor renamed',
  'mfa.authenticator.remove': 'Second factor removed',
  'mfa.recovery_codes.regenerate': 'New recovery codes made',
  'mfa.passkey.registration.start': 'Started adding a passkey',
  'mfa.passkey.clone_detected': 'A passkey looked copied and was refused',
  'security.activity_reported': "Reported: \u201cThis wasn't me\u201d",
};

const REASONS: Record<string, string> = {
  WRONG_PASSWORD: 'Wrong password',
  LOCKED: 'Account locked after too many tries',
  MFA_FAILED: 'Wrong second-step code',
  PASSWORD_RESET_REQUIRED: 'The password must be reset first',
};

/** "session.create" -> "Signed in"; an action the panel does not know yet reads as its own name. */
export function actionLabel(action: string): string {
  return ACTIONS[action] ?? action;
}

/** Why a sign-in was refused, in words; null when it was not refused. */
export function failureLabel(action: string, reason: string | null | undefined): string | null {
  if (reason) return REASONS[reason] ?? reason;
  return action.endsWith('_failed') ? 'Refused' : null;
}
