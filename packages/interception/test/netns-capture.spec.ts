// Real traffic through real iptables, in namespaces this test creates (see netns-lab.ts).
import type { ChildProcess } from 'node:child_process';
import { runIptablesCli, type CliIo } from '../src/cli.js';
import { GOLDEN_CASES, GOLDEN_CONTEXT } from '../src/testdata/golden-cases.js';
import { ADDR, NetnsLab } from './netns-lab.js';

jest.setTimeout(60_000);

const PROXY_UID = 1337;
const lab = new NetnsLab();
let inboundListener: ChildProcess | undefined;
let baselineRules = '';
let baselineRouting = '';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    exec: lab.execIn(lab.pod),
    context: GOLDEN_CONTEXT,
  };
  const code = await runIptablesCli(argv, io);
  return { code, stdout, stderr };
}

async function expectOk(argv: string[]): Promise<void> {
  const result = await cli(argv);
  expect({ argv, ...result, stdout: undefined }).toEqual({ argv, code: 0, stdout: undefined, stderr: '' });
}

const REDIRECT_ARGS = ['-b', '*', '-d', '8081', '-i', '*', '-x', '203.0.113.0/24', '-o', '9001', '--dual-stack'];

beforeAll(async () => {
  lab.setUp();
  await lab.listen(lab.pod, [
    { port: 8080, tag: 'app' },
    { port: 8081, tag: 'app-excluded-port' },
    { port: 22, tag: 'ssh' },
    { port: 15001, tag: 'proxy-outbound' },
  ]);
  inboundListener = await lab.listen(lab.pod, [{ port: 15006, tag: 'proxy-inbound' }]);
  await lab.listen(lab.outside, [
    { port: 9000, tag: 'outside' },
    { port: 9001, tag: 'outside-excluded-port' },
  ]);
  // Someone else's rules, which apply and cleanup must leave alone.
  lab.run(lab.pod, 'iptables', '-t', 'nat', '-N', 'KEEP_ME');
  lab.run(lab.pod, 'iptables', '-t', 'nat', '-A', 'KEEP_ME', '-j', 'RETURN');
  lab.run(lab.pod, 'iptables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '--dport', '7', '-j', 'KEEP_ME');
  lab.run(lab.pod, 'iptables', '-t', 'mangle', '-A', 'PREROUTING', '-p', 'udp', '--dport', '7', '-j', 'ACCEPT');
  baselineRules = lab.rules(lab.pod);
  baselineRouting = lab.routing(lab.pod);
});

afterAll(() => lab.tearDown());

describe('without capture rules', () => {
  it('reaches the app and the outside directly', async () => {
    expect((await lab.connect(lab.client, ADDR.pod, 8080)).tag).toBe('app');
    expect((await lab.connect(lab.pod, ADDR.outside, 9000)).tag).toBe('outside');
    expect(baselineRules).toContain('KEEP_ME');
  });
});

describe('REDIRECT mode, dual stack', () => {
  beforeAll(() => expectOk(REDIRECT_ARGS));

  it('sends inbound connections to the app port to the inbound capture port (IPv4 and IPv6)', async () => {
    const v4 = await lab.connect(lab.client, ADDR.pod, 8080);
    expect(v4).toMatchObject({ tag: 'proxy-inbound', local: `${ADDR.pod}:15006` });
    expect(v4.peer).toMatch(new RegExp(`^${ADDR.client.replace(/\./g, '\\.')}:`));
    expect(await lab.connect(lab.client, ADDR.pod6, 8080)).toMatchObject({ tag: 'proxy-inbound', local: `${ADDR.pod6}:15006` });
  });

  it('lets excluded inbound ports and SSH through to the app', async () => {
    expect((await lab.connect(lab.client, ADDR.pod, 8081)).tag).toBe('app-excluded-port');
    expect((await lab.connect(lab.client, ADDR.pod, 22)).tag).toBe('ssh');
    expect((await lab.connect(lab.client, ADDR.pod6, 22)).tag).toBe('ssh');
  });

  it('sends the app\'s outbound connections to the proxy port (IPv4 and IPv6)', async () => {
    expect((await lab.connect(lab.pod, ADDR.outside, 9000)).tag).toBe('proxy-outbound');
    expect((await lab.connect(lab.pod, ADDR.outside6, 9000)).tag).toBe('proxy-outbound');
  });

  it('lets excluded outbound ports and CIDRs go straight out', async () => {
    expect((await lab.connect(lab.pod, ADDR.outside, 9001)).tag).toBe('outside-excluded-port');
    expect((await lab.connect(lab.pod, ADDR.outsideExcluded, 9000)).tag).toBe('outside');
  });

  it('never captures the proxy\'s own traffic (no loop)', async () => {
    const reply = await lab.connect(lab.pod, ADDR.outside, 9000, PROXY_UID);
    expect(reply).toMatchObject({ tag: 'outside', peer: expect.stringMatching(/^198\.51\.100\.2:/) });
    expect((await lab.connect(lab.pod, ADDR.outside6, 9000, PROXY_UID)).tag).toBe('outside');
  });

  it('gives the same rules when run twice, with one jump per built-in chain', async () => {
    const first = lab.rules(lab.pod);
    await expectOk(REDIRECT_ARGS);
    expect(lab.rules(lab.pod)).toBe(first);
    expect(first.match(/^-A PREROUTING -p tcp -j AMESH_INBOUND$/gm)).toHaveLength(2); // IPv4 + IPv6
    expect(first.match(/^-A OUTPUT -p tcp -j AMESH_OUTPUT$/gm)).toHaveLength(2);
  });

  it('never captures SSH even when 22 is listed', async () => {
    await expectOk(['-b', '22,8080', '-i', '*']);
    expect((await lab.connect(lab.client, ADDR.pod, 22)).tag).toBe('ssh');
    expect((await lab.connect(lab.client, ADDR.pod, 8080)).tag).toBe('proxy-inbound');
    // Without --dual-stack the IPv6 rules of the previous run are gone.
    expect((await lab.connect(lab.client, ADDR.pod6, 8080)).tag).toBe('app');
  });

  it('cleanup restores the original rules exactly', async () => {
    await expectOk(['--cleanup-only']);
    expect(lab.rules(lab.pod)).toBe(baselineRules);
    expect((await lab.connect(lab.client, ADDR.pod, 8080)).tag).toBe('app');
    expect((await lab.connect(lab.pod, ADDR.outside, 9000)).tag).toBe('outside');
  });
});

describe('TPROXY mode', () => {
  beforeAll(async () => {
    await lab.stop(inboundListener!);
    await lab.listenTransparent(lab.pod, 15006, 'tproxy-inbound');
    await expectOk(['-m', 'TPROXY', '-b', '8080', '-i', '198.51.100.0/24']);
  });

  it('delivers inbound connections to the capture listener with the original destination', async () => {
    const reply = await lab.connect(lab.client, ADDR.pod, 8080);
    expect(reply).toMatchObject({ tag: 'tproxy-inbound', local: `${ADDR.pod}:8080` });
    expect(reply.peer).toMatch(/^192\.0\.2\.3:\d+$/);
  });

  it('leaves ports outside the list alone and still redirects outbound traffic', async () => {
    expect((await lab.connect(lab.client, ADDR.pod, 8081)).tag).toBe('app-excluded-port');
    expect((await lab.connect(lab.pod, ADDR.outside, 9000)).tag).toBe('proxy-outbound');
    expect((await lab.connect(lab.pod, ADDR.outsideExcluded, 9000)).tag).toBe('outside');
  });

  it('installs the policy route once, however often it runs', async () => {
    const rules = lab.rules(lab.pod);
    const routing = lab.routing(lab.pod);
    expect(routing.match(/fwmark 0x539 lookup 133/g)).toHaveLength(1);
    expect(routing).toMatch(/local default dev lo table 133/);
    await expectOk(['-m', 'TPROXY', '-b', '8080', '-i', '198.51.100.0/24']);
    expect(lab.rules(lab.pod)).toBe(rules);
    expect(lab.routing(lab.pod)).toBe(routing);
  });

  it('cleanup removes the rules and the policy route', async () => {
    await expectOk(['--cleanup-only']);
    expect(lab.rules(lab.pod)).toBe(baselineRules);
    expect(lab.routing(lab.pod)).toBe(baselineRouting);
  });
});

describe('every golden option set', () => {
  for (const [name, argv] of Object.entries(GOLDEN_CASES)) {
    it(`is accepted by the real iptables-restore and cleaned up: ${name}`, async () => {
      await expectOk([...argv]);
      if (!argv.includes('--cleanup-only')) expect(lab.rules(lab.pod)).toMatch(/AMESH_OUTPUT/);
      // Cleanup looks for the TPROXY route under the mark/table the case used.
      const flagValue = (flag: string, fallback: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1]! : fallback);
      await expectOk(['--cleanup-only', '-t', flagValue('-t', '1337'), '-r', flagValue('-r', '133')]);
      expect(lab.rules(lab.pod)).toBe(baselineRules);
      expect(lab.routing(lab.pod)).toBe(baselineRouting);
    });
  }
});
