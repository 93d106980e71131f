"""Mail texts live in domain/mail/*.txt; each renders with exactly the placeholders it names."""

from __future__ import annotations

from string import Template

import pytest

from domain import mails


@pytest.mark.parametrize("name", mails.names())
def test_every_template_has_a_subject_and_renders(name: str) -> None:
    subject, body = mails._template(name)
    names = set(subject.get_identifiers()) | set(body.get_identifiers())
    mail = mails.render(name, "someone@example.com", **{n: f"<{n}>" for n in names})
    assert mail.to == "someone@example.com" and mail.subject and mail.text.strip()
    assert "$" not in mail.subject + mail.text


def test_a_missing_placeholder_fails_loudly() -> None:
    with pytest.raises(KeyError):
        mails.render("contact_code", "someone@example.com", code="123456")
    assert isinstance(mails._template("contact_code")[0], Template)
