// Runs the real `amesh-translate` command (bin -> dist) as a child process, built from this tree.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

const PKG = path.join(__dirname, '../..');
const BIN = path.join(PKG, 'bin/amesh-translate.js');
const XDS = path.join(PKG, '../../testdata/xds');
const EDS = path.join(XDS, 'istio/sidecar-eds-bookinfo.configdump.json');
const LDS = path.join(XDS, 'istio/sidecar-lds-full.configdump.yaml');
let tmp: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The command runs from dist: compile the package as `npm run build` does (type errors elsewhere
  // in the package do not block emitting; the typecheck target reports them).
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: PKG, stdio: 'pipe', timeout: 120_000 });
  } catch {
    // tsc exits non-zero on type errors but still writes dist; the check below is what matters.
  }
  expect(existsSync(path.join(PKG, 'dist/cli/main.js'))).toBe(true);
  tmp = mkdtempSync(path.join(tmpdir(), 'amesh-cli-'));
}, 150_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('exit 0: prints apisix.yaml with every section, ending with #END, and a summary on stderr', () => {
  const r = run(EDS);
  expect(r.status).toBe(0);
  expect(r.stdout.endsWith('\n#END\n')).toBe(true);
  const config = parse(r.stdout) as Record<string, unknown>;
  expect(Object.keys(config)).toEqual(['routes', 'upstreams', 'ssls', 'stream_routes', 'plugin_configs', 'global_rules']);
  for (const list of Object.values(config)) expect(Array.isArray(list)).toBe(true);
  expect(r.stderr).toMatch(/^amesh-translate: \d+ routes, \d+ upstreams, .*; report: \d+ items?/);
});

test('--output json prints the apisix.json form', () => {
  const r = run('--output', 'json', EDS, XDS + '/consul');
  expect(r.status).toBe(0);
  const config = JSON.parse(r.stdout) as Record<string, unknown[]>;
  expect(Object.keys(config)).toContain('upstreams');
  expect(r.stdout).not.toContain('#END');
});

test('--report PATH writes the loader and translator report as JSON; --report - writes it to stderr', () => {
  const file = path.join(tmp, 'report.json');
  const r = run(LDS, '--report', file);
  expect(r.status).toBe(0);
  const report = JSON.parse(readFileSync(file, 'utf8')) as { kind: string; name: string; path: string; severity: string; reason: string }[];
  expect(report.length).toBeGreaterThan(0);
  expect(report).toContainEqual(expect.objectContaining({ kind: 'Listener', name: '0.0.0.0_9080', severity: 'ignored', reason: expect.stringContaining('stats.PluginConfig') }));
  expect(r.stderr).toContain(`(in ${file})`);
  const toStderr = run(LDS, '--report', '-');
  expect(JSON.parse(toStderr.stderr)).toEqual(report);
});

test('--strict exits 3 when the report is not empty, after printing the configuration', () => {
  const r = run('--strict', LDS);
  expect(r.status).toBe(3);
  expect(r.stdout.endsWith('#END\n')).toBe(true);
});

test('exit 1 names the file, the JSON path and what is expected', () => {
  const bad = path.join(tmp, 'bad.clusters.yaml');
  writeFileSync(bad, '- name: c\n  connect_timeout: soon\n');
  const r = run(bad);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`amesh-translate: ${bad}: at [0].connect_timeout: invalid Cluster: expected a duration string such as "1.5s", got "soon" (cannot decode message google.protobuf.Duration from JSON: "soon")\n`);
});

test('exit 1 for broken JSON and for a missing file', () => {
  const broken = path.join(tmp, 'broken.json');
  writeFileSync(broken, '{"configs": [');
  const r = run(broken);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^amesh-translate: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON \\(line 1, column \\d+\\)`));
  const missing = run(path.join(tmp, 'missing.yaml'));
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('missing.yaml: cannot read: no such file or folder');
});

test('exit 2 for bad usage, with the usage text; --help exits 0', () => {
  for (const args of [[], ['--output', 'xml', EDS], ['--bogus', EDS]]) {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: amesh-translate FILE...');
    expect(r.stdout).toBe('');
  }
  const help = run('--help');
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('exit status: 0 success, 1 unreadable or invalid input, 2 bad usage, 3 --strict');
});
