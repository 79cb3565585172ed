// Audit entries carry previous_values, new_values and metadata as JSON text (the vendor's shape); tests
// compare them as objects.
import type { components } from '../../generated/openapi.js';

type AuditLog = components['schemas']['AuditLog'];
type Json = Record<string, unknown> | null;
export type DecodedAudit = Omit<AuditLog, 'previous_values' | 'new_values' | 'metadata'> & {
  previous_values: Json;
  new_values: Json;
  metadata: Json;
};

const parse = (text: string | null): Json => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));

export function decoded(entry: AuditLog): DecodedAudit {
  return {
    ...entry,
    previous_values: parse(entry.previous_values),
    new_values: parse(entry.new_values),
    metadata: parse(entry.metadata),
  };
}
