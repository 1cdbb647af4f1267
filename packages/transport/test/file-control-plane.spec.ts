import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { create, toJson } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { DiscoveryResponseSchema, typeRegistry } from '@amesh/proto';
import { AdsClient } from '../src/ads-client.js';
import { main, parseArgs } from '../src/cli.js';
import { startFileControlPlane, type FileControlPlane } from '../src/file-control-plane.js';
import { RESOURCE_TYPES } from '../src/resource-types.js';
import { eventually, meshIp, smallMesh } from './fixtures.js';
import type { XdsResources } from '@amesh/translator';

const NODE = { id: 'sidecar~10.1.1.1~app-1.default~default.svc.cluster.local' };
const ISTIO = path.join(__dirname, '..', '..', '..', 'testdata', 'xds', 'istio');

/** Writes each type of `resources` as a DiscoveryResponse JSON file (the Consul golden format). */
function writeMesh(dir: string, resources: XdsResources): void {
  for (const type of RESOURCE_TYPES) {
    const messages = resources[type.key] as never[];
    if (messages.length === 0) continue;
    const res = create(DiscoveryResponseSchema, { versionInfo: '1', typeUrl: type.typeUrl, resources: messages.map((m) => anyPack(type.schema, m)) });
    fs.writeFileSync(path.join(dir, `${type.short.toLowerCase()}.json`), JSON.stringify(toJson(DiscoveryResponseSchema, res, { registry: typeRegistry() }), null, 1));
  }
}

function endpointOf(client: AdsClient, i: number): string | undefined {
  const cla = client.snapshot()?.resources.clusterLoadAssignments.find((c) => c.name === `outbound|80||svc-${i}.default.svc.cluster.local`)?.message();
  const ep = cla?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
  return ep?.case === 'endpoint' && ep.value.address?.address.case === 'socketAddress' ? ep.value.address.address.value.address : undefined;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('file-backed control plane', () => {
  let dir: string;
  let plane: FileControlPlane | undefined;
  const clients: AdsClient[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-xds-files-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await plane?.close();
    plane = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const connect = (protocol: 'sotw' | 'delta'): AdsClient => {
    // Recorded listeners name routes the recordings lack: a short does-not-exist timeout settles them.
    const client = new AdsClient({ server: plane!.url, node: NODE, protocol, backoff: { initialMs: 20 }, doesNotExistTimeoutMs: 300 }).start();
    clients.push(client);
    return client;
  };

  it('serves a folder, re-serves edits with --watch, and keeps the last good snapshot on a bad edit', async () => {
    writeMesh(dir, smallMesh(3));
    const lines: string[] = [];
    plane = await startFileControlPlane({ from: dir, port: 0, watch: true, debounceMs: 50, log: (line) => void lines.push(line) });
    const client = connect('delta');
    await eventually(() => client.snapshot()?.resources.clusters.length === 3, 5000, 'initial sync');
    expect(lines[0]).toMatch(/serving 3 clusters, 3 endpoint sets, 1 listeners, 1 route configurations/);

    writeMesh(dir, smallMesh(3, 7));
    await eventually(() => endpointOf(client, 2) === meshIp(2, 7), 5000, 'watched edit');
    const generation = plane.generation();

    fs.writeFileSync(path.join(dir, 'eds.json'), '{ "versionInfo": "1", "resources": [ { oops');
    await eventually(() => plane!.lastError(), 5000, 'reload failure');
    expect(plane.lastError()).toContain('eds.json');
    expect(lines.some((l) => /not reloaded, still serving load/.test(l))).toBe(true);
    expect(plane.generation()).toBe(generation);
    const late = connect('sotw');
    await eventually(() => late.snapshot(), 5000, 'sync of a new client while the files are bad');
    expect(endpointOf(late, 2)).toBe(meshIp(2, 7));
    expect(endpointOf(client, 2)).toBe(meshIp(2, 7));

    writeMesh(dir, smallMesh(3, 9));
    await eventually(() => endpointOf(client, 0) === meshIp(0, 9) && endpointOf(late, 0) === meshIp(0, 9), 5000, 'recovery');
    expect(plane.lastError()).toBeUndefined();
  });

  it('serves the Istio recordings in testdata (nameless bootstrap listeners left out, with a warning)', async () => {
    const lines: string[] = [];
    plane = await startFileControlPlane({ from: ISTIO, port: 0, log: (line) => void lines.push(line) });
    expect(lines.some((l) => /LDS resource\(s\) without a name are not served/.test(l))).toBe(true);
    const client = connect('delta');
    const snapshot = await eventually(() => client.snapshot(), 10000, 'sync');
    expect(snapshot.resources.clusters.length).toBeGreaterThan(50);
    expect(snapshot.resources.listeners.map((l) => l.name)).toEqual(expect.arrayContaining(['virtualOutbound', 'virtualInbound', '0.0.0.0_9080']));
    expect(client.status().nacks).toEqual([]);
  });

  it('refuses to start on a path that does not exist, naming it', async () => {
    await expect(startFileControlPlane({ from: path.join(dir, 'nope.json'), port: 0 })).rejects.toThrow(/nope\.json.*no such file/);
  });
});

describe('amesh-xds-server command line', () => {
  it('parses flags and rejects bad ones with the usage', () => {
    expect(parseArgs(['--from', 'a', '--from=b', '--port', '0', '--watch'])).toEqual({ from: ['a', 'b'], port: 0, host: '0.0.0.0', watch: true });
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs([])).toThrow(/--from PATH is required[\s\S]*usage: amesh-xds-server/);
    expect(() => parseArgs(['--from', 'a', '--port', '99999'])).toThrow(/--port 99999: expected a port number/);
    expect(() => parseArgs(['--from', 'a', '--bogus'])).toThrow(/unknown argument "--bogus"/);
  });

  it('serves until SIGINT, and exits 1 with the reason when the files cannot be read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-xds-cli-'));
    const stderr: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['--from', path.join(dir, 'missing')])).toBe(1);
      expect(stderr.join('')).toMatch(/cannot serve: .*missing: cannot read: no such file/);
      writeMesh(dir, smallMesh(2));
      const port = await freePort();
      const running = main(['--from', dir, '--port', String(port), '--host', '127.0.0.1']);
      await eventually(() => stderr.join('').includes(`listening on 127.0.0.1:${port}`), 5000, 'listening');
      const client = new AdsClient({ server: `grpc://127.0.0.1:${port}`, node: NODE }).start();
      try {
        await eventually(() => client.snapshot()?.resources.clusters.length === 2, 5000, 'sync from the CLI server');
      } finally {
        await client.close();
      }
      process.emit('SIGINT');
      expect(await running).toBe(0);
    } finally {
      spy.mockRestore();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
