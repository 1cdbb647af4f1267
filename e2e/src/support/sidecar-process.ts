import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { waitUntil } from '@amesh/storage/testing';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SIDECAR_BIN = path.join(REPO_ROOT, 'apps', 'sidecar', 'bin', 'amesh-sidecar.js');

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/**
 * `amesh-sidecar run` as a real child process (the built agent, dist/), with its status port
 * learnt from its start-up log line and helpers to query the status server.
 */
export class SidecarProcess {
  readonly logs: LogLine[] = [];
  stdout = '';
  private stderrTail = '';
  private exit: Promise<number | null>;
  private url_: string | undefined;

  private constructor(private readonly child: ChildProcess) {
    let buffer = '';
    child.stderr?.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        this.stderrTail = (this.stderrTail + line + '\n').slice(-8000);
        try {
          const parsed = JSON.parse(line) as LogLine;
          this.logs.push(parsed);
          if (parsed.msg === 'amesh-sidecar started') this.url_ = parsed.url as string;
        } catch {
          // not a log line (e.g. a usage message)
        }
      }
    });
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `amesh-sidecar <command> ...args --status-port 0` and waits until its status server is up. */
  static async start(args: readonly string[], options: { env?: Record<string, string>; command?: 'run' | 'demo' } = {}): Promise<SidecarProcess> {
    const child = spawn(process.execPath, [SIDECAR_BIN, options.command ?? 'run', '--status-port', '0', '--status-host', '127.0.0.1', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', POD_NAME: 'productpage-v1-abcde', POD_NAMESPACE: 'default', INSTANCE_IP: '10.244.0.9', ...options.env },
    });
    const p = new SidecarProcess(child);
    await waitUntil(
      'amesh-sidecar to start its status server',
      () => {
        if (child.exitCode !== null) throw new Error(`amesh-sidecar exited with ${child.exitCode}:\n${p.stderrTail}`);
        return p.url_;
      },
      30_000,
      25,
    );
    return p;
  }

  get url(): string {
    if (!this.url_) throw new Error('status server not up');
    return this.url_;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async get(pathAndQuery: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.url}${pathAndQuery}`);
    return { status: res.status, body: await res.text() };
  }

  async json<T = unknown>(pathAndQuery: string): Promise<T> {
    const r = await this.get(pathAndQuery);
    if (r.status !== 200) throw new Error(`GET ${pathAndQuery}: ${r.status} ${r.body}`);
    return JSON.parse(r.body) as T;
  }

  async ready(): Promise<boolean> {
    return (await this.get('/healthz/ready')).status === 200;
  }

  waitReady(timeoutMs = 30_000): Promise<true> {
    return waitUntil('amesh-sidecar to be ready', async () => (await this.ready()) || undefined, timeoutMs, 25);
  }

  /** A counter or gauge from /metrics (sum over label sets matching `labels`). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const text = (await this.get('/metrics')).body;
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const m = /^([a-z_]+)(\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries((m[3] ?? '').split(',').filter(Boolean).map((kv) => {
        const eq = kv.indexOf('=');
        return [kv.slice(0, eq), JSON.parse(kv.slice(eq + 1)) as string];
      }));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
    }
    return sum;
  }

  /** Sends a signal and resolves with the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exit;
    clearTimeout(timer);
    return code;
  }

  stderr(): string {
    return this.stderrTail;
  }
}

/** Runs `amesh-sidecar ...args` to completion (bounded) and returns its exit code and output. */
export function runSidecarToExit(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SIDECAR_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`amesh-sidecar ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
