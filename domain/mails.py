"""Every mail the services send, rendered from the plain-text templates in domain/mail/.

A template's first line is `Subject: ...`, then a blank line and the body; both take `$name`
placeholders (string.Template). Keeping the texts in files keeps wording out of the services
and makes another language a folder of files, not a code change.
"""

from __future__ import annotations

import functools
from importlib import resources
from string import Template

from domain.entities import Mail


def render(name: str, to: str, **values: object) -> Mail:
    """The mail `name` to `to`; raises KeyError when a placeholder has no value."""
    subject, body = _template(name)
    return Mail(to, subject.substitute(values), body.substitute(values))


@functools.cache
def _template(name: str) -> tuple[Template, Template]:
    text = resources.files("domain").joinpath("mail", f"{name}.txt").read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    if not head.startswith("Subject: "):
        raise ValueError(f"mail template {name} must start with a Subject: line")
    return Template(head.removeprefix("Subject: ").strip()), Template(body)


def names() -> list[str]:
    """Every template's name, for the test that renders them all."""
    folder = resources.files("domain").joinpath("mail")
    return sorted(p.name.removesuffix(".txt") for p in folder.iterdir() if p.name.endswith(".txt"))
