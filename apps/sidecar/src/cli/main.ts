import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino, { type Logger } from 'pino';
import { parseCommand, type Env, type HostFacts } from '../config/parse-config.js';
import { ConfigError, type SidecarConfig } from '../config/sidecar-config.js';
import { startSidecar, type RunningSidecar } from '../runtime/start-sidecar.js';
import { formatDemoSummary } from './demo-summary.js';

export interface MainIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** How long `demo` waits for the example mesh to be written before giving up. */
const DEMO_READY_TIMEOUT_MS = 60_000;

/**
 * The `amesh-sidecar` command line. `run` and `demo` resolve only when a SIGTERM/SIGINT has shut
 * the agent down (exit 0) or start-up failed (exit 1); bad flags or env exit 2.
 */
export async function main(argv: readonly string[], env: Env = process.env, io: MainIo = process): Promise<number> {
  let command;
  try {
    command = parseCommand(argv, env, hostFacts(env));
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) io.stderr.write(`amesh-sidecar: ${p}\n`);
      io.stderr.write('run `amesh-sidecar help` for the flags and variables\n');
      return EXIT_USAGE;
    }
    throw err;
  }
  switch (command.command) {
    case 'help':
      io.stdout.write(command.text);
      return EXIT_OK;
    case 'version':
      io.stdout.write(`amesh-sidecar ${readVersion()}\n`);
      return EXIT_OK;
    case 'iptables': {
      // Loaded on demand: the agent itself never needs the interception code.
      const { runIptablesCli } = await import('@amesh/interception');
      return runIptablesCli(command.argv, { stdout: io.stdout, stderr: io.stderr });
    }
    case 'run':
    case 'demo':
      return runAgent(command.command, command.config, env, io);
  }
}

async function runAgent(command: 'run' | 'demo', config: SidecarConfig, env: Env, io: MainIo): Promise<number> {
  // Logs go to stderr as JSON; stdout is left to the demo summary.
  const log = pino({ level: config.logLevel, base: { component: 'amesh-sidecar' } }, pino.destination({ fd: 2, sync: true }));
  let sidecar: RunningSidecar;
  try {
    sidecar = await startSidecar(config, env, log);
  } catch (err) {
    log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'start-up failed');
    io.stderr.write(`amesh-sidecar: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
  const stopped = waitForSignal(log).then(async (signal) => {
    log.info({ signal }, 'shutting down: closing the xDS stream and flushing storage');
    await sidecar.close();
    log.info('stopped');
    return EXIT_OK;
  });
  if (command === 'demo') {
    try {
      await Promise.race([sidecar.whenReady(DEMO_READY_TIMEOUT_MS), stopped]);
    } catch (err) {
      io.stderr.write(`amesh-sidecar demo: ${err instanceof Error ? err.message : String(err)}\n`);
      await sidecar.close();
      return EXIT_FAILED;
    }
    if (sidecar.pipeline.ready) io.stdout.write(demoSummary(sidecar));
  }
  return stopped;
}

function demoSummary(sidecar: RunningSidecar): string {
  const written = sidecar.pipeline.writtenState.toLists();
  const first = written.routes.find((r) => Array.isArray(r.hosts) && r.hosts.length > 0);
  const firstUri = first ? ((first.uris as string[] | undefined)?.[0] ?? (first.uri as string | undefined) ?? '/') : '/';
  const src = sidecar.config.xds;
  return formatDemoSummary({
    source: src.kind === 'file' ? `file:${displayPath(src.path)}` : src.url,
    storage: sidecar.config.storage.spec,
    statusUrl: sidecar.status.url,
    written,
    report: sidecar.report(),
    sampleRoute: first ? { host: (first.hosts as string[])[0].replace(/^\*\./, 'x.'), path: firstUri.replace(/\*$/, '') || '/' } : undefined,
  });
}

function waitForSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      // A second signal while shutting down means "now".
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      log.debug({ signal }, 'signal received');
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

function hostFacts(env: Env): HostFacts {
  return { hostname: os.hostname(), detectedIp: env.INSTANCE_IP ? '' : firstAddress(), demoXdsPath: demoXdsPath() };
}

/** The first non-loopback IPv4 address (Amesh's INSTANCE_IP fallback), else 127.0.0.1. */
function firstAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return '127.0.0.1';
}

/** The example mesh of the repository this agent runs from (examples/bookinfo/xds.yaml). */
export function demoXdsPath(): string {
  // dist/cli/main.js or src/cli/main.ts -> apps/sidecar -> repository root
  const dir = path.join(path.resolve(__dirname, '..', '..', '..', '..'), 'examples', 'bookinfo');
  const file = path.join(dir, 'xds.yaml');
  return fs.existsSync(file) ? file : dir;
}

/** A path relative to the working directory when it is below it, else as given. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function readVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
