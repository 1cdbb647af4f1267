import { ApisixValidator, type ApisixKind } from '@amesh/schema';
import { changeKey } from './change-order.js';
import type { InvalidChange } from './errors.js';
import type { Change, ResourceKind } from './storage.js';

const schemaKind: Record<ResourceKind, ApisixKind> = {
  routes: 'route',
  upstreams: 'upstream',
  ssls: 'ssl',
  stream_routes: 'stream_route',
  plugin_configs: 'plugin_config',
  global_rules: 'global_rule',
};

let shared: ApisixValidator | undefined;
/** Compiling every schema takes a while: one validator per process. */
function validator(): ApisixValidator {
  return (shared ??= new ApisixValidator({ unknownPlugins: 'ignore' }));
}

/** Why APISIX would refuse this change, or undefined when it is fine. Deletions are always fine. */
export function checkChange(change: Change, schema: boolean): InvalidChange | undefined {
  if (change.op === 'delete') return undefined;
  const reasons: string[] = [];
  if (!/^[A-Za-z0-9_.\-]{1,64}$/.test(change.id)) {
    reasons.push(`id "${change.id}" must be 1-64 characters of [A-Za-z0-9_.-] (APISIX's id schema)`);
  }
  if (change.value.id !== change.id) {
    reasons.push(`value.id "${String(change.value.id)}" differs from the key id "${change.id}" (${changeKey(change.kind, change.id)})`);
  }
  if (schema && reasons.length === 0) {
    for (const v of validator().validate(schemaKind[change.kind], change.value)) {
      reasons.push(`${v.path || '/'}: ${v.message}`);
    }
  }
  return reasons.length ? { kind: change.kind, id: change.id, reasons } : undefined;
}
