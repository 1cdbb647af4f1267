import { parse } from 'yaml';
import { emptyApisixConfig, type ApisixConfig } from './apisix-types.js';
import { formatApisixConfig } from './apisix-config-format.js';

function sample(): ApisixConfig {
  const shared = { 'x-a': '1' };
  const config = emptyApisixConfig();
  config.upstreams.push({ id: '80', type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 8080, weight: 1 }], labels: shared });
  config.routes.push(
    { id: 'r1', uris: ['/api*'], hosts: ['*.example.com'], vars: [['http_x_user', '==', 'yes'], ['arg_n', '==', '0012']], upstream_id: '80', labels: shared },
    { id: '007', uri: '/#not-a-comment', upstream_id: '80', desc: 'line one\nline two: with colon' },
  );
  return config;
}

test('yaml: every section in a fixed order, ids and numeric-looking strings stay strings, last line #END', () => {
  const text = formatApisixConfig(sample(), 'yaml');
  expect(text.endsWith('\n#END\n')).toBe(true);
  expect(text.split('\n').filter((l) => /^[a-z_]+:/.test(l)).map((l) => l.split(':')[0])).toEqual([
    'routes',
    'upstreams',
    'ssls',
    'stream_routes',
    'plugin_configs',
    'global_rules',
  ]);
  expect(parse(text)).toEqual(JSON.parse(JSON.stringify({ ...emptyApisixConfig(), ...sample() })));
});

test('yaml: objects used twice are written out, never as anchors APISIX would have to resolve', () => {
  const text = formatApisixConfig(sample(), 'yaml');
  expect(text).not.toMatch(/[&*]a\d/);
  expect(parse(text).routes[0].labels).toEqual({ 'x-a': '1' });
});

test('json: the apisix.json form parses back to the same configuration', () => {
  const text = formatApisixConfig(sample(), 'json');
  expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(sample())));
  expect(text.endsWith('}\n')).toBe(true);
});

test('an empty configuration still lists every section', () => {
  expect(formatApisixConfig(emptyApisixConfig(), 'yaml')).toBe(
    'routes: []\nupstreams: []\nssls: []\nstream_routes: []\nplugin_configs: []\nglobal_rules: []\n#END\n',
  );
});

test('deterministic: same input, same bytes', () => {
  expect(formatApisixConfig(sample(), 'yaml')).toBe(formatApisixConfig(sample(), 'yaml'));
});
