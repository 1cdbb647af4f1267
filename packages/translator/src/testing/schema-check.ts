import { ApisixValidator, type SchemaViolation } from '@amesh/schema';
import type { ApisixConfig } from '../apisix-types.js';

let validator: ApisixValidator | undefined;

/** Every schema violation of every object in a config, as `kind id: path message` lines (tests only). */
export function schemaViolations(config: ApisixConfig): string[] {
  validator ??= new ApisixValidator();
  const out: string[] = [];
  const check = (kind: Parameters<ApisixValidator['validate']>[0], objs: readonly { id: string }[]) => {
    for (const o of objs) {
      for (const v of validator!.validate(kind, o) as SchemaViolation[]) out.push(`${kind} ${o.id}: ${v.path} ${v.message}`);
    }
  };
  check('route', config.routes);
  check('upstream', config.upstreams);
  check('ssl', config.ssls);
  check('stream_route', config.stream_routes);
  check('plugin_config', config.plugin_configs);
  check('global_rule', config.global_rules);
  return out;
}
