import { stringify } from 'yaml';
import type { ApisixConfig } from './apisix-types.js';

export type ApisixConfigFormat = 'yaml' | 'json';

/** The top-level lists of a standalone config, in the order they are written. */
const SECTIONS: readonly (keyof ApisixConfig)[] = ['routes', 'upstreams', 'ssls', 'stream_routes', 'plugin_configs', 'global_rules'];

/**
 * Serialises a configuration as APISIX standalone mode reads it: `apisix.yaml` (top-level lists,
 * last line `#END`, which APISIX requires before it accepts the file) or `apisix.json`. Pure and
 * deterministic: sections in a fixed order, every section present (an empty list when there is
 * nothing), no YAML anchors (shared objects are written out in full), no line folding.
 */
export function formatApisixConfig(config: ApisixConfig, format: ApisixConfigFormat): string {
  const ordered: Record<string, unknown> = {};
  for (const section of SECTIONS) ordered[section] = config[section] ?? [];
  if (format === 'json') return `${JSON.stringify(ordered, null, 2)}\n`;
  return `${stringify(ordered, { aliasDuplicateObjects: false, lineWidth: 0 })}#END\n`;
}
