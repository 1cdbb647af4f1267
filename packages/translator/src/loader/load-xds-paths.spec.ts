import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadXdsPaths } from './load-xds-paths.js';
import { XdsLoadError } from './xds-load-error.js';

const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'amesh-loader-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(rel: string, content: string): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

async function loadError(paths: string[]): Promise<XdsLoadError> {
  const err: unknown = await loadXdsPaths(paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof XdsLoadError)) throw new Error(`expected an XdsLoadError, got ${String(err)}`);
  return err;
}

test('folders are read recursively in path order, only xDS file endings, later names replace earlier ones', async () => {
  await write('b/nested/two.yaml', `- '@type': ${CLUSTER}\n  name: shared\n  type: EDS\n- '@type': ${CLUSTER}\n  name: b\n`);
  await write('a.json', JSON.stringify([{ '@type': CLUSTER, name: 'shared', type: 'STATIC' }, { '@type': CLUSTER, name: 'a' }]));
  await write('c.golden', JSON.stringify({ '@type': CLUSTER, name: 'c' }));
  await write('notes.txt', 'not read');
  const result = await loadXdsPaths([dir]);
  expect(result.sources.map((s) => path.relative(dir, s.source))).toEqual(['a.json', path.join('b', 'nested', 'two.yaml'), 'c.golden']);
  expect(result.resources.clusters.map((c) => c.name)).toEqual(['shared', 'a', 'b', 'c']);
  expect(result.resources.clusters[0]!.clusterDiscoveryType.value).toBe(3); // EDS, from the later file
  expect(result.report).toEqual([
    expect.objectContaining({ kind: 'Cluster', name: 'shared', source: path.join(dir, 'b', 'nested', 'two.yaml'), reason: expect.stringContaining(`${path.join(dir, 'a.json')} at [0] is replaced`) }),
  ]);
});

test('files and folders mix; a non-xDS file inside a folder is skipped and reported', async () => {
  const named = await write('one.json', JSON.stringify({ '@type': CLUSTER, name: 'one' }));
  await write('sub/policy.yaml', 'type: MeshRetry\nname: r\nspec: {}\n');
  await write('sub/ok.yaml', `'@type': ${CLUSTER}\nname: two\n`);
  const result = await loadXdsPaths([named, path.join(dir, 'sub')]);
  expect(result.resources.clusters.map((c) => c.name)).toEqual(['one', 'two']);
  expect(result.report).toEqual([
    expect.objectContaining({ kind: 'Document', source: path.join(dir, 'sub', 'policy.yaml'), reason: expect.stringMatching(/^not an xDS document, skipped: unknown top-level shape/) }),
  ]);
});

test('a named file that is not xDS is an error, as is broken input inside a folder', async () => {
  const policy = await write('policy.yaml', 'type: MeshRetry\n');
  expect((await loadError([policy])).message).toMatch(/policy\.yaml: unknown top-level shape \(keys: type\)/);
  await write('sub/broken.json', '{"resources": [');
  const err = await loadError([path.join(dir, 'sub')]);
  expect(err.code).toBe('syntax');
  expect(err.source).toBe(path.join(dir, 'sub', 'broken.json'));
});

test('missing paths, empty folders and no input are errors naming the path', async () => {
  const missing = path.join(dir, 'nope.yaml');
  const e = await loadError([missing]);
  expect(e.code).toBe('io');
  expect(e.message).toBe(`${missing}: cannot read: no such file or folder`);
  await mkdir(path.join(dir, 'empty'));
  expect((await loadError([path.join(dir, 'empty')])).message).toContain('the folder holds no .json/.yaml/.yml/.golden file');
  expect((await loadError([])).message).toContain('expected at least one file or folder');
});
