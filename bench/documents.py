"""The GraphQL documents the benchmark sends: the same texts a real single-page app sends every time."""

from __future__ import annotations

import json
from typing import Any

# The settings page: profile + account + contacts (no sessions, so no extra statement).
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
  }
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


def login_body(email: str, password: str) -> bytes:
    return graphql_body(LOGIN, {"input": {"email": email, "password": password}})
