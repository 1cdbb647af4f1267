export {
  ApisixValidator,
  APISIX_KINDS,
  SCHEMA_DIR,
  type ApisixKind,
  type SchemaViolation,
  type ValidatorOptions,
} from './apisix-validator.js';
