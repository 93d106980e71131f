import type { DocumentNode } from 'graphql';
export function generatedDocuments(source?: string): Record<string, DocumentNode>;
export function sentText(document: DocumentNode): string;
export function sha256(text: string): string;
export function persistedOperations(documents?: Record<string, DocumentNode>): Record<string, string>;
