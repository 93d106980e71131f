"""What a query will read, worked out from its document before it runs: the session lookup then
reads it in the same transaction (domain.services.sessions.Reads), one thread hop for the request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from domain.services.sessions import NO_READS, Reads
from resolvers.context import Context
from schema.introspection_walk import ROOT_FIELDS
from schema.limits import Recent

# The fields whose data authenticate can read along: (parent type, field) -> the Reads flag.
READ_ALONG = {
    ("Account", "contacts"): "contacts",
    ("User", "sessions"): "sessions",
    ("Query", "billingProfile"): "billing_profile",
}
_PLANS: Recent[tuple[str, str | None], Reads] = Recent()


class ReadPlan(SchemaExtension):
    """Sets the context's `reads` for a query before its resolvers run (and so before anything asks
    for the session). Mutations read nothing ahead: their answers must show the change."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        document, context = ec.graphql_document, ec.context
        if document is not None and ec.operation_type is OperationType.QUERY and isinstance(context, Context):
            context.reads = reads_of(ec.schema._schema, document, ec.query or "", ec.operation_name)
        yield


def reads_of(schema: GraphQLSchema, document: DocumentNode, query: str, operation_name: str | None) -> Reads:
    """The Reads of a (valid) document, remembered per query text and operation name. Every
    operation's fields count, so a document of several operations may read a little more than
    the one that runs."""
    if not query:  # no text to key on (a document given some other way): worked out each time
        return _plan(schema, document)
    return _PLANS.get((query, operation_name), lambda: _plan(schema, document))


def _plan(schema: GraphQLSchema, document: DocumentNode) -> Reads:
    if _introspection_only(document):  # reads nothing: spares the walk over a large document
        return NO_READS
    collector = _Collector(TypeInfo(schema))
    visit(document, TypeInfoVisitor(collector.type_info, collector))
    return Reads(**dict.fromkeys(collector.flags, True)) if collector.flags else NO_READS


def _introspection_only(document: DocumentNode) -> bool:
    """Every operation asks only `__schema`, `__type` or `__typename` at its root (directly)."""
    return all(
        isinstance(definition, OperationDefinitionNode)
        and all(isinstance(s, FieldNode) and s.name.value in ROOT_FIELDS for s in definition.selection_set.selections)
        for definition in document.definitions
        if not isinstance(definition, FragmentDefinitionNode)
    )


class _Collector(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.flags: set[str] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        flag = READ_ALONG.get((parent.name, node.name.value)) if parent is not None else None
        if flag is not None:
            self.flags.add(flag)
