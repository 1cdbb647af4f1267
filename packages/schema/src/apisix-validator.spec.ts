import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApisixValidator, SCHEMA_DIR, type ApisixKind } from './apisix-validator';

// The examples shipped with the schemas say, by their file name, whether APISIX accepts them.
const examplesDir = path.join(SCHEMA_DIR, 'examples');
const examples = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json'));

describe('ApisixValidator', () => {
  const validator = new ApisixValidator({ unknownPlugins: 'error' });
  const lenient = new ApisixValidator({ unknownPlugins: 'ignore' });

  it('has every plugin schema that the bundle ships', () => {
    expect(validator.knownPlugins()).toEqual(
      expect.arrayContaining(['traffic-split', 'proxy-rewrite', 'fault-injection', 'cors', 'limit-count', 'redirect']),
    );
  });

  it.each(examples.filter((f) => /^(route|upstream|ssl|stream_route|plugin_config|global_rule|service|consumer|consumer_group)\./.test(f)))(
    'agrees with APISIX on %s',
    (file) => {
      const [kind, verdict] = file.split('.') as [ApisixKind, string];
      const obj = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
      // The object examples use plugins we carry no schema for (key-auth, …).
      const violations = lenient.validate(kind, obj);
      if (verdict === 'valid') expect(violations).toEqual([]);
      else expect(violations.length).toBeGreaterThan(0);
    },
  );

  it.each(examples.filter((f) => f.startsWith('plugin.') && !f.includes('.metadata.')))('agrees with APISIX on %s', (file) => {
    const [, name, verdict] = file.split('.');
    const config = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8'));
    const violations = validator.validatePlugin(name!, config);
    if (verdict === 'valid') expect(violations).toEqual([]);
    else expect(violations.length).toBeGreaterThan(0);
  });

  it('checks plugin configs inside a route, with a JSON pointer to the culprit', () => {
    const v = validator.validate('route', {
      uri: '/a',
      upstream_id: 'u1',
      plugins: { 'fault-injection': { abort: { http_status: 99 } } },
    });
    expect(v.map((x) => x.path)).toContain('/plugins/fault-injection/abort/http_status');
  });

  it('rejects a chash upstream without a usable key and accepts a header key', () => {
    const base = { type: 'chash', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }] };
    expect(validator.validate('upstream', { ...base, hash_on: 'header' })).toEqual([
      { path: '/key', message: 'chash with hash_on "header" needs a key' },
    ]);
    expect(validator.validate('upstream', { ...base, hash_on: 'header', key: 'x-user' })).toEqual([]);
  });

  it('compiles schemas on first use: a fresh validator checks cookie keys after header keys (one shared fragment)', () => {
    const fresh = new ApisixValidator();
    const base = { type: 'chash', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], key: 'x-user' };
    expect(fresh.validate('upstream', { ...base, hash_on: 'header' })).toEqual([]);
    expect(fresh.validate('upstream', { ...base, hash_on: 'cookie' })).toEqual([]);
    expect(fresh.validate('upstream', { ...base, hash_on: 'cookie', key: 42 }).map((v) => v.path)).toContain('/key');
    expect(fresh.validatePlugin('redirect', { http_to_https: 'yes' }).length).toBeGreaterThan(0);
    expect(fresh.validate('nope' as ApisixKind, {})).toEqual([{ path: '', message: 'unknown APISIX object kind "nope"' }]);
  });

  it('reports unknown plugins only when asked to', () => {
    const route = { uri: '/', upstream_id: 'u', plugins: { 'my-plugin': {} } };
    expect(validator.validate('route', route)).toEqual([{ path: '/plugins/my-plugin', message: 'no schema for plugin "my-plugin"' }]);
    expect(new ApisixValidator({ unknownPlugins: 'ignore' }).validate('route', route)).toEqual([]);
  });
});
