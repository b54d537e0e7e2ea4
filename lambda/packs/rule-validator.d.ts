// Types of the generated rule-validator.js (scripts/rule-validator.mjs): an Ajv standalone validate function.
import type { ErrorObject } from 'ajv';

export interface RuleMetaValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
export declare const validate: RuleMetaValidator;
export default validate;
