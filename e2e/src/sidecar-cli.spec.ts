import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { waitUntil } from '@amesh/storage/testing';
import { parse } from 'yaml';
import { AdsFixture } from './support/ads-fixture.js';
import { ameshTranslate, normalizeLists } from './support/mesh-files.js';
import { generatedMesh } from './support/meshes.js';
import { REPO_ROOT, runSidecarToExit, SidecarProcess } from './support/sidecar-process.js';

const BOOKINFO = path.join(REPO_ROOT, 'examples', 'bookinfo', 'xds.yaml');

describe('amesh-sidecar command line', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-e2e-cli-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('exits 2 naming the bad flag or variable and what is expected', async () => {
    const bad = await runSidecarToExit(['run', '--storage', 'redis://x', '--protocol', 'rest']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--storage="redis:\/\/x": .*expected one of/);
    expect(bad.stderr).toMatch(/--protocol="rest": expected delta or sotw/);
    const env = await runSidecarToExit(['run'], { STATUS_SERVER_PORT: 'http' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^amesh-sidecar: STATUS_SERVER_PORT="http": expected a port number 0-65535/m);
    const cmd = await runSidecarToExit(['serve']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/unknown command "serve"/);
  });

  it('prints usage with the environment variables it reads', async () => {
    const help = await runSidecarToExit(['help']);
    expect(help.code).toBe(0);
    for (const name of ['ISTIO_XDS_SOURCE', 'STATUS_SERVER_PORT', 'POD_NAME', 'INSTANCE_IP', '--storage', '--xds']) expect(help.stdout).toContain(name);
  });

  it('iptables hands its flags to the interception CLI (dry run prints the iptables-restore script)', async () => {
    const dry = await runSidecarToExit(['iptables', '--dry-run', '-p', '15001', '-z', '15006', '-u', '1337']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^# iptables-restore/m);
    expect(dry.stdout).toContain('-j REDIRECT --to-ports 15001');
    const bad = await runSidecarToExit(['iptables', '-p', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^amesh-sidecar iptables: /);
  });

  it('demo serves the example mesh, writes a yaml APISIX can load, prints a summary and stops on Ctrl-C', async () => {
    const file = path.join(tmp, 'apisix.yaml');
    const demo = await SidecarProcess.start(['--storage', `yaml:${file}`], { command: 'demo' });
    await demo.waitReady();
    await waitUntil('the demo summary', () => demo.stdout.includes('Ctrl-C to stop.') || undefined, 10_000);
    expect(demo.stdout).toMatch(/^amesh-sidecar demo: file:examples\/bookinfo\/xds\.yaml -> yaml:/);
    expect(demo.stdout).toMatch(/written: \d+ upstreams, \d+ routes/);
    expect(demo.stdout).toContain(`${demo.url}/debug/explain?host=`);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.trimEnd().endsWith('#END')).toBe(true);
    expect(normalizeLists(parse(text))).toEqual(normalizeLists(await ameshTranslate([BOOKINFO])));
    // explain on the example mesh: the header route, the weighted split, and the allow-any host.
    type Answer = { served: boolean; reason?: string; apisix?: { route: { name: string } }; envoy?: { virtualHost: string; route?: { name: string } } };
    const tester = await demo.json<Answer>('/debug/explain?host=reviews&path=/reviews/1&port=9080&header.end-user=tester');
    expect(tester).toMatchObject({ served: true, envoy: { route: { name: 'reviews-testers' } } });
    expect(tester.apisix?.route.name).toMatch(/reviews-testers$/);
    const other = await demo.json<Answer>('/debug/explain?host=reviews&path=/reviews/1&port=9080');
    expect(other).toMatchObject({ served: true, envoy: { route: { name: 'reviews-split' } } });
    expect(other.apisix?.route.name).toMatch(/reviews-split$/);
    const unknown = await demo.json<Answer>('/debug/explain?host=unknown.example&path=/&port=9080');
    expect(unknown.envoy?.virtualHost).toBe('allow_any');
    if (!unknown.served) expect(unknown.reason).toBeTruthy();
    expect(await demo.stop('SIGINT')).toBe(0);
  });

  it('connects to a grpcs:// control plane with the mesh CA and a token', async () => {
    const dir = path.join(tmp, 'tls');
    fs.mkdirSync(dir);
    // A self-signed certificate for localhost: it is its own CA.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'token'), 'a-projected-token\n');
    const tls = { cert: fs.readFileSync(path.join(dir, 'cert.pem')), key: fs.readFileSync(path.join(dir, 'key.pem')) };
    const ads = await AdsFixture.start(generatedMesh(3), { tls });
    try {
      const agent = await SidecarProcess.start(['--xds', ads.url, '--ca-cert', path.join(dir, 'cert.pem'), '--token', path.join(dir, 'token')]);
      await agent.waitReady();
      expect((await agent.json<{ objects: { routes: number } }>('/status')).objects.routes).toBeGreaterThanOrEqual(3);
      expect(await agent.stop()).toBe(0);
      // Without the CA the certificate is not trusted: connected never, ready never.
      const untrusting = await SidecarProcess.start(['--xds', ads.url, '--ca-cert', path.join(dir, 'missing.pem')]);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await untrusting.ready()).toBe(false);
      expect((await untrusting.json<{ xds: { last_error?: string } }>('/status')).xds.last_error).toBeTruthy();
      expect(await untrusting.stop()).toBe(0);
    } finally {
      await ads.kill();
    }
  });

  it('--xds file: pushes the file again when it changes', async () => {
    const file = path.join(tmp, 'mesh.yaml');
    fs.copyFileSync(BOOKINFO, file);
    const agent = await SidecarProcess.start(['--xds', `file:${file}`]);
    await agent.waitReady();
    const dump = async () => JSON.stringify((await agent.json<{ apisix: unknown }>('/debug/config_dump')).apisix);
    expect(await dump()).toContain('10.244.1.11');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('10.244.1.11', '10.244.9.11'));
    await waitUntil('the edited endpoint to be written', async () => (await dump()).includes('10.244.9.11') || undefined, 15_000);
    expect(await dump()).not.toContain('10.244.1.11');
    expect(await agent.stop()).toBe(0);
  });
});
