export * from './apisix-types.js';
export * from './xds-resources.js';
export * from './translation-report.js';
export { stableId, upstreamIdFor, type IdKind } from './ids.js';
export { translate, type TranslateOptions, type TranslateResult } from './translate.js';
export { formatApisixConfig, type ApisixConfigFormat } from './apisix-config-format.js';
export type { PortMatch } from './listener-scope.js';
