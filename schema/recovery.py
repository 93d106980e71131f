"""Password recovery and the "this wasn't me" link: inputs and payloads."""

from __future__ import annotations

import strawberry

from schema.errors import UserErrorType, user_errors_field


@strawberry.input(name="RequestPasswordResetInput", description="Who asks for a reset code.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="The email the user signs in with.")


@strawberry.type(
    name="RequestPasswordResetPayload",
    description="The same answer whether or not the email signs a user in.",
)
class RequestPasswordResetPayload:
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="ResetPasswordInput", description="The mailed code and the new password.")
class ResetPasswordInput:
    email: str = strawberry.field(description="The email the user signs in with.")
    code: str = strawberry.field(
        description="The code from the reset mail: 10 letters and digits; case, spaces and the dash do not matter."
    )
    new_password: str = strawberry.field(
        description="12-256 characters; not a common password, not the current one, and not containing your "
        "email name or your names."
    )


@strawberry.type(name="ResetPasswordPayload", description="On success every session of the user has ended.")
class ResetPasswordPayload:
    errors: list[UserErrorType] = user_errors_field()


@strawberry.input(name="ReportUnrecognizedActivityInput", description="The token from a security mail's link.")
class ReportUnrecognizedActivityInput:
    token: str = strawberry.field(description="The token after `#token=` in the link.")


@strawberry.type(
    name="ReportUnrecognizedActivityPayload",
    description="On success every session of the user has ended and the password must be reset.",
)
class ReportUnrecognizedActivityPayload:
    errors: list[UserErrorType] = user_errors_field()
