// The CLI's contract without a network: exit codes, messages, dry run, and that invalid options
// or a dry run never reach iptables (the recording Exec must stay unused).
import { runIptablesCli, type CliIo } from './cli.js';
import type { Exec } from './exec.js';
import { GOLDEN_CONTEXT } from './testdata/golden-cases.js';

function harness(exec?: Exec) {
  const out = { stdout: '', stderr: '', calls: [] as string[] };
  const recording: Exec = async (command, args, input) => {
    out.calls.push([command, ...args].join(' '));
    return exec ? exec(command, args, input) : { code: 0, stdout: '', stderr: '' };
  };
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    exec: recording,
    context: GOLDEN_CONTEXT,
  };
  return { out, io };
}

describe('runIptablesCli', () => {
  it('exits 2 with the reason on invalid options, before running anything', async () => {
    const { out, io } = harness();
    expect(await runIptablesCli(['-b', '*', '-i', '*', '-p', '99999'], io)).toBe(2);
    expect(out.stderr).toBe('amesh-sidecar iptables: -p/--envoy-port: "99999" is not a port (expected an integer 1..65535)\n');
    expect(out.calls).toEqual([]);
  });

  it('prints the script on dry run and runs nothing', async () => {
    const { out, io } = harness();
    expect(await runIptablesCli(['-n', '-m', 'TPROXY', '-b', '8080'], io)).toBe(0);
    expect(out.stdout).toMatch(/^# iptables-restore --noflush\n\*nat\n/);
    expect(out.stdout).toContain('-A AMESH_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006');
    expect(out.stdout).toContain('# ip -4 rule add fwmark 1337 lookup 133\n');
    expect(out.calls).toEqual([]);
  });

  it('prints help', async () => {
    const { out, io } = harness();
    expect(await runIptablesCli(['--help'], io)).toBe(0);
    expect(out.stdout).toContain('-p, --envoy-port, --apisix-port <value>');
    expect(out.stdout).toContain('-u, --proxy-uid, --apisix-user <value>');
  });

  it('exits 1 naming the failing command when applying fails', async () => {
    const failing: Exec = async (command) =>
      command === 'iptables-restore' ? { code: 2, stdout: '', stderr: 'iptables-restore: line 3 failed' } : { code: 0, stdout: '*nat\nCOMMIT\n', stderr: '' };
    const { out, io } = harness(failing);
    expect(await runIptablesCli(['-b', '*'], io)).toBe(1);
    expect(out.stderr).toBe('amesh-sidecar iptables: iptables-restore --noflush failed with exit code 2: iptables-restore: line 3 failed\n');
    expect(out.calls).toEqual(['iptables-save', 'iptables-restore --noflush']);
  });

  it('exits 1 when iptables is not installed', async () => {
    const { out, io } = harness(async () => ({ code: 127, stdout: '', stderr: 'spawn iptables-save ENOENT' }));
    expect(await runIptablesCli(['--cleanup-only'], io)).toBe(1);
    expect(out.stderr).toContain('iptables-save failed with exit code 127: spawn iptables-save ENOENT');
  });
});
