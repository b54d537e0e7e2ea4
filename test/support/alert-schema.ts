// Validates alert records against the published JSON Schema (lambda/alerts/alert.v1.schema.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'lambda', 'alerts', 'alert.v1.schema.json'), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** Returns the schema errors of one record, as readable strings (empty when valid). */
export function alertSchemaErrors(record: unknown): string[] {
  if (validate(record)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
