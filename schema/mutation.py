"""The Mutation root. Each field binds one resolver and declares who may call it."""

from __future__ import annotations

from dataclasses import replace

import strawberry

from domain.entities import ApiScope
from resolvers import (
    api_tokens,
    authenticators,
    billing,
    contacts,
    customer,
    email_change,
    mfa,
    passkeys,
    password,
    profile,
    recovery,
    sessions,
    signin,
    transfers,
)
from resolvers.access import ACCOUNT_ADMIN, ANYONE, CLOUD_ADMIN, SESSIONS_ONLY, SIGNED_IN
from schema.api_tokens import CreateApiTokenPayload, RevokeApiTokenPayload, RevokeLeakedApiTokenPayload
from schema.authenticators import RemoveAuthenticatorPayload, RenameAuthenticatorPayload
from schema.billing import UpdateBillingProfilePayload
from schema.contacts import (
    AddContactEmailPayload,
    RemoveContactEmailPayload,
    ResendContactVerificationPayload,
    SetContactRolesPayload,
    VerifyContactEmailPayload,
)
from schema.customer import UpdateCustomerInfoPayload
from schema.email_change import ConfirmEmailChangePayload
from schema.mfa import (
    ConfirmMfaEnrollmentPayload,
    DisableMfaPayload,
    RegenerateRecoveryCodesPayload,
    StartMfaEnrollmentPayload,
)
from schema.passkeys import (
    FinishPasskeyRegistrationPayload,
    StartPasskeyLoginPayload,
    StartPasskeyRegistrationPayload,
)
from schema.password import ChangePasswordPayload
from schema.permissions import mutation
from schema.profile import UpdateProfilePayload
from schema.recovery import ReportUnrecognizedActivityPayload, RequestPasswordResetPayload, ResetPasswordPayload
from schema.sessions import LogoutPayload, RevokeSessionPayload
from schema.signin import LoginPayload
from schema.transfers import CancelTransferRequestPayload, ResolveTransferRequestPayload, SubmitTransferRequestPayload


@strawberry.type(
    name="Mutation",
    description="Changes. Each field's description ends with who may call it: a caller without a valid session "
    "or token gets UNAUTHENTICATED, one without the role FORBIDDEN; an API token also needs one of the scopes it "
    "names, and may use no field marked sessions only. Problems the caller can fix come back in the payload's "
    "`errors`, and then nothing was changed.",
)
class Mutation:
    # sign-in and sessions
    login: LoginPayload = mutation(
        signin.login,
        access=ANYONE,
        description="Step one of signing in. "
        "With MFA enabled the payload asks for a second step instead of signing in.",
    )
    complete_mfa_login: LoginPayload = mutation(
        mfa.complete_mfa_login,
        access=ANYONE,
        description="Step two of signing in: a current TOTP code or an unused recovery code.",
    )
    complete_mfa_login_with_passkey: LoginPayload = mutation(
        passkeys.complete_mfa_login_with_passkey,
        access=ANYONE,
        description="Step two of signing in, answered with a passkey instead of a code "
        "(login's passkeyOptions, 5 minutes, 5 tries).",
    )
    start_passkey_login: StartPasskeyLoginPayload = mutation(
        passkeys.start_passkey_login,
        access=ANYONE,
        description="Starts a passwordless sign-in with a passkey (a discoverable credential).",
    )
    complete_passkey_login: LoginPayload = mutation(
        passkeys.complete_passkey_login,
        access=ANYONE,
        description="Finishes a passwordless sign-in. A passkey with user verification counts as both factors; "
        "attempts count against the same limits as login.",
    )
    logout: LogoutPayload = mutation(
        sessions.logout,
        access=replace(ANYONE, sessions_only=True),
        description="Ends the current session and clears the session cookie; without a live session it only "
        "clears the cookie.",
    )
    revoke_session: RevokeSessionPayload = mutation(
        sessions.revoke_session,
        access=SESSIONS_ONLY,
        description="Ends one of the caller's own sessions (signs out another device).",
    )
    # recovery
    request_password_reset: RequestPasswordResetPayload = mutation(
        recovery.request_password_reset,
        access=ANYONE,
        description="Mails a reset code if the email signs a user in; answers the same either way. At most 3 mails "
        "per address and 20 requests per client an hour.",
    )
    reset_password: ResetPasswordPayload = mutation(
        recovery.reset_password,
        access=ANYONE,
        description="Sets a new password with the mailed code and ends every session and API token of the user; "
        "MFA still applies at the next sign-in.",
    )
    report_unrecognized_activity: ReportUnrecognizedActivityPayload = mutation(
        recovery.report_unrecognized_activity,
        access=ANYONE,
        description="The token from the link in a security mail. Ends every session and API token of the user and "
        "requires a password reset.",
    )
    revoke_leaked_api_token: RevokeLeakedApiTokenPayload = mutation(
        api_tokens.revoke_leaked_api_token,
        access=ANYONE,
        description="Whoever finds a leaked token revokes it with the token itself, and its owner is mailed. "
        "Answers the same whether or not the token existed; at most 20 reports an hour per client.",
    )
    # API tokens
    create_api_token: CreateApiTokenPayload = mutation(
        api_tokens.create_api_token,
        access=SESSIONS_ONLY,
        description="Creates an API token for the caller with the current password (with MFA on, from a session "
        "that passed MFA); its secret is shown once. At most 20 live tokens; each expires in 1 to 366 days.",
    )
    revoke_api_token: RevokeApiTokenPayload = mutation(
        api_tokens.revoke_api_token,
        access=SESSIONS_ONLY,
        description="Revokes one of the caller's tokens; an ACCOUNT_ADMIN may revoke any token of the account's "
        "users. Anyone else's token is NOT_FOUND.",
    )
    # MFA
    start_mfa_enrollment: StartMfaEnrollmentPayload = mutation(
        mfa.start_mfa_enrollment,
        access=SESSIONS_ONLY,
        description="Creates a pending TOTP secret and its QR code for a new authenticator app; nothing changes "
        "until confirmMfaEnrollment succeeds. While MFA is on, adding an app needs a session that passed MFA.",
    )
    confirm_mfa_enrollment: ConfirmMfaEnrollmentPayload = mutation(
        mfa.confirm_mfa_enrollment,
        access=SESSIONS_ONLY,
        description="Adds the pending app as an authenticator with a current code for it. The first second "
        "factor turns MFA on and returns the recovery codes once.",
    )
    start_passkey_registration: StartPasskeyRegistrationPayload = mutation(
        passkeys.start_passkey_registration,
        access=SESSIONS_ONLY,
        description="Starts adding a passkey: WebAuthn creation options for navigator.credentials.create. "
        "While MFA is on, this needs a session that passed MFA; at most 10 second factors.",
    )
    finish_passkey_registration: FinishPasskeyRegistrationPayload = mutation(
        passkeys.finish_passkey_registration,
        access=SESSIONS_ONLY,
        description="Finishes adding a passkey. A user's first second factor also turns MFA on and returns "
        "recovery codes.",
    )
    rename_authenticator: RenameAuthenticatorPayload = mutation(
        authenticators.rename_authenticator,
        access=SESSIONS_ONLY,
        description="Renames one of the caller's second factors.",
    )
    remove_authenticator: RemoveAuthenticatorPayload = mutation(
        authenticators.remove_authenticator,
        access=SESSIONS_ONLY,
        description="Removes one of the caller's second factors; needs the password. Removing the last second "
        "factor turns MFA off.",
    )
    disable_mfa: DisableMfaPayload = mutation(
        mfa.disable_mfa,
        access=SESSIONS_ONLY,
        description="Turns MFA off with the password and a current TOTP code or a recovery code; "
        "removes every second factor.",
    )
    regenerate_recovery_codes: RegenerateRecoveryCodesPayload = mutation(
        mfa.regenerate_recovery_codes,
        access=SESSIONS_ONLY,
        description="Replaces every recovery code with a new set, for a current TOTP code.",
    )
    # profile, email, password
    update_profile: UpdateProfilePayload = mutation(
        profile.update_profile,
        access=SIGNED_IN.scoped(ApiScope.PROFILE_WRITE),
        description="Changes the caller's own profile; a new sign-in email waits for confirmEmailChange.",
    )
    confirm_email_change: ConfirmEmailChangePayload = mutation(
        email_change.confirm_email_change,
        access=SESSIONS_ONLY,
        description="Finishes a change of sign-in email started by updateProfile, "
        "with the code mailed to the new address.",
    )
    change_password: ChangePasswordPayload = mutation(
        password.change_password,
        access=SESSIONS_ONLY,
        description="Replaces the caller's password and signs out their other sessions.",
    )
    # the provider's billing profile
    update_billing_profile: UpdateBillingProfilePayload = mutation(
        billing.update_billing_profile,
        access=replace(CLOUD_ADMIN, sessions_only=True),
        description="A partial, versioned update of the provider's billing profile. A change of where or how "
        "customers pay (bankName, accountHolder, iban, bic, paymentInstructions) needs the current password; it "
        "and a change of invoiceEmail are mailed to every cloud admin.",
    )
    # the caller's account
    update_customer_info: UpdateCustomerInfoPayload = mutation(
        customer.update_customer_info,
        access=ACCOUNT_ADMIN.scoped(ApiScope.ACCOUNT_WRITE),
        description="A partial, versioned update of the account's customer info.",
    )
    add_contact_email: AddContactEmailPayload = mutation(
        contacts.add_contact_email,
        access=ACCOUNT_ADMIN.scoped(ApiScope.ACCOUNT_WRITE),
        description="Adds an unverified contact email and mails it a verification code (valid 15 minutes); "
        "an account has at most 20 contacts.",
    )
    resend_contact_verification: ResendContactVerificationPayload = mutation(
        contacts.resend_contact_verification,
        access=ACCOUNT_ADMIN.scoped(ApiScope.ACCOUNT_WRITE),
        description="Mails a new verification code, voiding the old one; "
        "at most one a minute and five an hour per contact.",
    )
    verify_contact_email: VerifyContactEmailPayload = mutation(
        contacts.verify_contact_email,
        access=ACCOUNT_ADMIN.scoped(ApiScope.ACCOUNT_WRITE),
        description="Verifies a contact email with the code mailed to it (valid 15 minutes, 5 tries, once).",
    )
    set_contact_roles: SetContactRolesPayload = mutation(
        contacts.set_contact_roles,
        access=ACCOUNT_ADMIN.scoped(ApiScope.ACCOUNT_WRITE),
        description="Replaces a verified contact's roles; each role must keep at least one verified holder.",
    )
    remove_contact_email: RemoveContactEmailPayload = mutation(
        contacts.remove_contact_email,
        access=ACCOUNT_ADMIN.scoped(ApiScope.ACCOUNT_WRITE),
        description="Removes a contact email. When one verified contact is left it takes every role; "
        "while several remain, give the removed one's roles to another verified contact first.",
    )
    submit_transfer_request: SubmitTransferRequestPayload = mutation(
        transfers.submit_transfer_request,
        access=ACCOUNT_ADMIN.scoped(ApiScope.TRANSFERS_WRITE),
        description="Organization and personal numbers cannot be edited; a transfer request asks the provider "
        "to change them.",
    )
    cancel_transfer_request: CancelTransferRequestPayload = mutation(
        transfers.cancel_transfer_request,
        access=ACCOUNT_ADMIN.scoped(ApiScope.TRANSFERS_WRITE),
        description="Withdraws the account's SUBMITTED transfer request.",
    )
    resolve_transfer_request: ResolveTransferRequestPayload = mutation(
        transfers.resolve_transfer_request,
        access=CLOUD_ADMIN.scoped(ApiScope.TRANSFERS_RESOLVE),
        description="Approving applies the requested number to the account.",
    )
