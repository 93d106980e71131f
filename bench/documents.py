"""The GraphQL documents the benchmark sends: the same texts a real single-page app sends every time."""

from __future__ import annotations

import json
from typing import Any

# The README's single-page-app document: the settings page (profile, account with its customer info
# and contacts) and the user's sessions. The floor (bench/floor.py) and the Node peer
# (bench/peers/node) answer exactly this text; keep the three in step.
ME = """query Me {
  me {
    id
    email
    role
    profile {
      firstName
      lastName
      phone
      pendingEmail
      location { country city }
      language
      timezone
      jobTitle
      version
      updatedAt
    }
    account {
      id
      kind
      organizationNumber
      personalNumber
      country
      customerInfo {
        companyName
        contactPerson
        address { line1 line2 postalCode city region country }
        purchaseOrderNumber
        version
        updatedAt
      }
      contacts { id email verified verifiedAt roles createdAt }
    }
    sessions { id current lastSeenAt }
  }
}
"""

# The settings page alone: `me` without `sessions` (an API token has no session to list).
SETTINGS = ME.replace("query Me", "query Settings").replace("    sessions { id current lastSeenAt }\n", "")

# The provider's payee details (any signed-in user): one row after the session lookup.
BILLING = """query Billing {
  billingProfile {
    legalName
    address { line1 line2 postalCode city region country }
    vatNumber
    registrationNumber
    bankName
    accountHolder
    iban
    bic
    paymentTermsDays
    paymentInstructions
    invoiceEmail
    version
    updatedAt
  }
}
"""

# A write: the caller's own profile, versioned (bench/wrk/update_profile.lua follows the version).
UPDATE_PROFILE = """mutation UpdateProfile($input: UpdateProfileInput!) {
  updateProfile(input: $input) { profile { version } errors { code } }
}
"""

CREATE_API_TOKEN = """mutation CreateApiToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { secret errors { field code message } }
}
"""

LOGIN = """mutation Login($input: LoginInput!) {
  login(input: $input) {
    token deviceToken mfaRequired mfaChallenge errors { field code message } user { id email }
  }
}
"""


def graphql_body(document: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": document, "variables": variables or {}}).encode()


def me_body() -> bytes:
    return graphql_body(ME)


def settings_body() -> bytes:
    return graphql_body(SETTINGS)


def billing_body() -> bytes:
    return graphql_body(BILLING)


def login_body(email: str, password: str) -> bytes:
    return graphql_body(LOGIN, {"input": {"email": email, "password": password}})
