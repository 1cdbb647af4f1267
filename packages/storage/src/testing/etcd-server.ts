import { spawn, type ChildProcess } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exited, freePort, waitUntil } from './wait.js';

export const ETCD_BINARY = process.env.ETCD_BINARY ?? '/usr/bin/etcd';

/** A real etcd on free loopback ports with a temporary data dir; stop() removes it. */
export class EtcdServer {
  private child?: ChildProcess;
  private log = '';
  private client?: Etcd3;

  private constructor(
    readonly clientPort: number,
    readonly peerPort: number,
    readonly dataDir: string,
  ) {}

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  static async start(): Promise<EtcdServer> {
    if (!fs.existsSync(ETCD_BINARY)) throw new Error(`${ETCD_BINARY} not found: apt-get install etcd-server (or set ETCD_BINARY)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-etcd-'));
    const server = new EtcdServer(await freePort(), await freePort(), dir);
    await server.resume();
    return server;
  }

  /** Starts (again) on the same ports and data dir. */
  async resume(): Promise<void> {
    if (this.child) return;
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.log = '';
    const child = spawn(
      ETCD_BINARY,
      [
        '--name=amesh-test',
        `--data-dir=${this.dataDir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=amesh-test=${peer}`,
        '--log-level=error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child = child;
    await waitUntil(
      `etcd on ${client} to be healthy`,
      async () => {
        if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${this.log.slice(-2000)}`);
        const res = await fetch(`${client}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      20_000,
      100,
    );
  }

  /** Stops the process, keeping the data (for outage tests). */
  async pause(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill('SIGTERM');
    const done = exited(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }

  /** Reads one key straight from etcd (not through the storage under test). */
  async get(key: string): Promise<string | null> {
    this.client ??= new Etcd3({ hosts: `http://${this.endpoint}` });
    return this.client.get(key).string();
  }

  async stop(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    await this.pause();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
