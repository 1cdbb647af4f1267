import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** APISIX object kinds that have a schema, as named in the schema files. */
export type ApisixKind =
  | 'route'
  | 'upstream'
  | 'ssl'
  | 'stream_route'
  | 'plugin_config'
  | 'global_rule'
  | 'service'
  | 'consumer'
  | 'consumer_group';

export const APISIX_KINDS: readonly ApisixKind[] = [
  'route',
  'upstream',
  'ssl',
  'stream_route',
  'plugin_config',
  'global_rule',
  'service',
  'consumer',
  'consumer_group',
];

export interface SchemaViolation {
  /** JSON pointer inside the object, e.g. `/plugins/proxy-rewrite/regex_uri`. */
  readonly path: string;
  readonly message: string;
}

export interface ValidatorOptions {
  /**
   * What to do with a plugin that has no bundled schema. `error` suits our own output (we only emit
   * plugins we know); `ignore` suits user-supplied plugin configs for plugins we carry no schema for.
   */
  readonly unknownPlugins?: 'error' | 'ignore';
}

/** Where the schema files live: beside `src/` and `dist/` alike. */
export const SCHEMA_DIR = path.join(__dirname, '..', 'schemas');

/**
 * Validates APISIX objects the way APISIX's Admin API does: the object schema first, then each
 * `plugins[name]` against that plugin's schema, then the `upstream.key` fragment for `chash`.
 * ajv runs without `useDefaults`, as the schemas' README requires.
 */
export class ApisixValidator {
  private readonly ajv: Ajv;
  // Compiled on first use: compiling every schema up front costs ~30 MB and ~0.4 s, and a
  // translator's output uses a handful of them.
  private readonly objects = new Map<ApisixKind, ValidateFunction>();
  private readonly plugins = new Map<string, ValidateFunction>();
  private readonly hashKey = new Map<string, ValidateFunction>();
  /** Plugin name -> its schema file under plugins/. */
  private readonly pluginFiles = new Map<string, string>();
  private readonly unknownPlugins: 'error' | 'ignore';

  constructor(options: ValidatorOptions = {}) {
    this.unknownPlugins = options.unknownPlugins ?? 'error';
    this.ajv = new Ajv({ allErrors: true, strictTypes: false });
    addFormats(this.ajv);
    for (const file of fs.readdirSync(path.join(SCHEMA_DIR, 'plugins'))) {
      if (!file.endsWith('.json') || file.endsWith('.metadata.json')) continue;
      this.pluginFiles.set(file.slice(0, -'.json'.length), `plugins/${file}`);
    }
  }

  private objectCheck(kind: ApisixKind): ValidateFunction | undefined {
    let check = this.objects.get(kind);
    if (!check && APISIX_KINDS.includes(kind)) this.objects.set(kind, (check = this.ajv.compile(readSchema(`${kind}.json`))));
    return check;
  }

  private pluginCheck(name: string): ValidateFunction | undefined {
    let check = this.plugins.get(name);
    const file = this.pluginFiles.get(name);
    if (!check && file) this.plugins.set(name, (check = this.ajv.compile(readSchema(file))));
    return check;
  }

  private hashKeyCheck(hashOn: string): ValidateFunction | undefined {
    let check = this.hashKey.get(hashOn);
    if (check) return check;
    const file = HASH_KEY_FRAGMENTS.get(hashOn);
    if (!file) return undefined;
    // Two hash_on values share one fragment: ajv refuses to compile the same $id twice.
    check = this.ajv.getSchema(`urn:apisix-schema:fragment:${file}`) ?? this.ajv.compile(readSchema(`fragments/${file}.json`));
    this.hashKey.set(hashOn, check);
    return check;
  }

  /** Plugin names with a bundled schema. */
  knownPlugins(): string[] {
    return [...this.pluginFiles.keys()].sort();
  }

  /** Every violation of `obj` as an APISIX `kind`; an empty list means APISIX accepts it. */
  validate(kind: ApisixKind, obj: unknown): SchemaViolation[] {
    const validateObject = this.objectCheck(kind);
    if (!validateObject) return [{ path: '', message: `unknown APISIX object kind "${kind}"` }];
    const out: SchemaViolation[] = [];
    if (!validateObject(obj)) out.push(...toViolations(validateObject.errors, ''));
    if (!isRecord(obj)) return out;
    this.validatePlugins(obj.plugins, '/plugins', out);
    if (isRecord(obj.upstream)) this.validateUpstreamKey(obj.upstream, '/upstream', out);
    if (kind === 'upstream') this.validateUpstreamKey(obj, '', out);
    return out;
  }

  /** Validates one plugin's configuration against its schema. */
  validatePlugin(name: string, config: unknown): SchemaViolation[] {
    const out: SchemaViolation[] = [];
    this.validatePlugins({ [name]: config }, '/plugins', out);
    return out;
  }

  private validatePlugins(plugins: unknown, at: string, out: SchemaViolation[]): void {
    if (!isRecord(plugins)) return;
    for (const [name, config] of Object.entries(plugins)) {
      const check = this.pluginCheck(name);
      const where = `${at}/${escapePointer(name)}`;
      if (!check) {
        if (this.unknownPlugins === 'error') out.push({ path: where, message: `no schema for plugin "${name}"` });
        continue;
      }
      if (!check(config)) out.push(...toViolations(check.errors, where));
      // traffic-split carries whole upstreams inside its rules.
      if (name === 'traffic-split' && isRecord(config) && Array.isArray(config.rules)) {
        config.rules.forEach((rule: unknown, i: number) => {
          if (!isRecord(rule) || !Array.isArray(rule.weighted_upstreams)) return;
          rule.weighted_upstreams.forEach((wu: unknown, j: number) => {
            if (isRecord(wu) && isRecord(wu.upstream)) {
              this.validateUpstreamKey(wu.upstream, `${where}/rules/${i}/weighted_upstreams/${j}/upstream`, out);
            }
          });
        });
      }
    }
  }

  private validateUpstreamKey(upstream: Record<string, unknown>, at: string, out: SchemaViolation[]): void {
    if (upstream.type !== 'chash') return;
    const hashOn = typeof upstream.hash_on === 'string' ? upstream.hash_on : 'vars';
    if (hashOn === 'consumer') return;
    if (upstream.key === undefined) {
      out.push({ path: `${at}/key`, message: `chash with hash_on "${hashOn}" needs a key` });
      return;
    }
    const check = this.hashKeyCheck(hashOn);
    if (check && !check(upstream.key)) out.push(...toViolations(check.errors, `${at}/key`));
  }
}

/** hash_on -> the fragment its `key` must match (`consumer` needs no key). */
const HASH_KEY_FRAGMENTS: ReadonlyMap<string, string> = new Map([
  ['vars', 'upstream_hash_vars'],
  ['header', 'upstream_hash_header'],
  ['cookie', 'upstream_hash_header'],
  ['vars_combinations', 'upstream_hash_vars_combinations'],
]);

function readSchema(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as Record<string, unknown>;
}

function toViolations(errors: ErrorObject[] | null | undefined, prefix: string): SchemaViolation[] {
  return (errors ?? []).map((e) => ({
    path: prefix + e.instancePath,
    message: `${e.message ?? 'invalid'}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`,
  }));
}

function escapePointer(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
