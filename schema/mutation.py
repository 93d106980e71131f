"""The Mutation root. Each field binds one resolver function."""

from __future__ import annotations

import strawberry

from resolvers import auth, contacts, customer, mfa, transfers
from resolvers.billing import update_billing_profile
from resolvers.profile import change_password, confirm_email_change, update_profile
from schema.accounts import (
    AddContactEmailPayload,
    CancelTransferRequestPayload,
    RemoveContactEmailPayload,
    ResendContactVerificationPayload,
    ResolveTransferRequestPayload,
    SetContactRolesPayload,
    SubmitTransferRequestPayload,
    UpdateCustomerInfoPayload,
    VerifyContactEmailPayload,
)
from schema.billing import UpdateBillingProfilePayload
from schema.mfa import (
    ConfirmMfaEnrollmentPayload,
    DisableMfaPayload,
    RegenerateRecoveryCodesPayload,
    StartMfaEnrollmentPayload,
)
from schema.payloads import LoginPayload, LogoutPayload, RevokeSessionPayload
from schema.profile import ChangePasswordPayload, ConfirmEmailChangePayload, UpdateProfilePayload


@strawberry.type(
    name="Mutation",
    description="Changes. All but login and completeMfaLogin need a signed-in caller (else UNAUTHENTICATED); "
    "those marked ACCOUNT_ADMIN or CLOUD_ADMIN need that role (else FORBIDDEN). Problems the caller can fix come "
    "back in the payload's `errors`, and then nothing was changed.",
)
class Mutation:
    login: LoginPayload = strawberry.mutation(
        resolver=auth.login,
        description="Step one of signing in. "
        "With MFA enabled the payload asks for a second step instead of signing in.",
    )
    complete_mfa_login: LoginPayload = strawberry.mutation(
        resolver=mfa.complete_mfa_login,
        description="Step two of signing in: a current TOTP code or an unused recovery code.",
    )
    logout: LogoutPayload = strawberry.mutation(resolver=auth.logout, description="Ends the current session.")
    revoke_session: RevokeSessionPayload = strawberry.mutation(
        resolver=auth.revoke_session,
        description="Ends one of the caller's own sessions (signs out another device).",
    )
    start_mfa_enrollment: StartMfaEnrollmentPayload = strawberry.mutation(
        resolver=mfa.start_mfa_enrollment,
        description="Creates a pending TOTP secret and its QR code; MFA is not on until confirmMfaEnrollment succeeds.",
    )
    confirm_mfa_enrollment: ConfirmMfaEnrollmentPayload = strawberry.mutation(
        resolver=mfa.confirm_mfa_enrollment,
        description="Turns MFA on with a current code for the pending secret; returns the recovery codes once.",
    )
    disable_mfa: DisableMfaPayload = strawberry.mutation(
        resolver=mfa.disable_mfa,
        description="Turns MFA off with the password and a current TOTP code or a recovery code.",
    )
    regenerate_recovery_codes: RegenerateRecoveryCodesPayload = strawberry.mutation(
        resolver=mfa.regenerate_recovery_codes,
        description="Replaces every recovery code with a new set, for a current TOTP code.",
    )
    update_profile: UpdateProfilePayload = strawberry.mutation(
        resolver=update_profile,
        description="Changes the caller's own profile; a new sign-in email waits for confirmEmailChange.",
    )
    confirm_email_change: ConfirmEmailChangePayload = strawberry.mutation(
        resolver=confirm_email_change,
        description="Finishes a change of sign-in email started by updateProfile, "
        "with the code mailed to the new address.",
    )
    change_password: ChangePasswordPayload = strawberry.mutation(
        resolver=change_password,
        description="Replaces the caller's password and signs out their other sessions.",
    )
    update_billing_profile: UpdateBillingProfilePayload = strawberry.mutation(
        resolver=update_billing_profile,
        description="CLOUD_ADMIN only. A partial, versioned update of the provider's billing profile; "
        "a change of IBAN, BIC or account holder needs the current password and is mailed to every cloud admin.",
    )
    update_customer_info: UpdateCustomerInfoPayload = strawberry.mutation(
        resolver=customer.update_customer_info,
        description="ACCOUNT_ADMIN only. A partial, versioned update of the account's customer info.",
    )
    add_contact_email: AddContactEmailPayload = strawberry.mutation(
        resolver=contacts.add_contact_email,
        description="ACCOUNT_ADMIN only. Adds an unverified contact email and mails it a verification code "
        "(valid 15 minutes); an account has at most 20 contacts.",
    )
    resend_contact_verification: ResendContactVerificationPayload = strawberry.mutation(
        resolver=contacts.resend_contact_verification,
        description="ACCOUNT_ADMIN only. Mails a new verification code, voiding the old one; "
        "at most one a minute and five an hour per contact.",
    )
    verify_contact_email: VerifyContactEmailPayload = strawberry.mutation(
        resolver=contacts.verify_contact_email,
        description="ACCOUNT_ADMIN only. Verifies a contact email with the code mailed to it "
        "(valid 15 minutes, 5 tries, once).",
    )
    set_contact_roles: SetContactRolesPayload = strawberry.mutation(
        resolver=contacts.set_contact_roles,
        description="ACCOUNT_ADMIN only. Replaces a verified contact's roles; "
        "each role must keep at least one verified holder.",
    )
    remove_contact_email: RemoveContactEmailPayload = strawberry.mutation(
        resolver=contacts.remove_contact_email,
        description="ACCOUNT_ADMIN only. Removes a contact email; give its roles to another verified contact first.",
    )
    submit_transfer_request: SubmitTransferRequestPayload = strawberry.mutation(
        resolver=transfers.submit_transfer_request,
        description="ACCOUNT_ADMIN only. Organization and personal numbers cannot be edited; "
        "a transfer request asks the provider to change them.",
    )
    cancel_transfer_request: CancelTransferRequestPayload = strawberry.mutation(
        resolver=transfers.cancel_transfer_request,
        description="ACCOUNT_ADMIN only. Withdraws the account's SUBMITTED transfer request.",
    )
    resolve_transfer_request: ResolveTransferRequestPayload = strawberry.mutation(
        resolver=transfers.resolve_transfer_request,
        description="CLOUD_ADMIN only. Approving applies the requested number to the account.",
    )
