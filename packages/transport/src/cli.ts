import { startFileControlPlane } from './file-control-plane.js';

const USAGE = `usage: amesh-xds-server --from PATH [--from PATH ...] [--port 15010] [--host 0.0.0.0] [--watch]

Serves the xDS resources in PATH (a file or folder: config dumps, DiscoveryResponses, resource
lists, bootstraps, ... as @amesh/translator/loader reads them) over ADS, SotW and Delta, to any node.
  --from PATH   file or folder to serve (repeatable)
  --port N      port to listen on (default 15010, istiod's plaintext port)
  --host ADDR   address to bind (default 0.0.0.0)
  --watch       re-read and re-serve when the files change; bad edits keep the last good snapshot`;

export interface CliArgs {
  from: string[];
  port: number;
  host: string;
  watch: boolean;
}

/** Parses the command line; throws an Error whose message says what is wrong and shows the usage. */
export function parseArgs(argv: readonly string[]): CliArgs | 'help' {
  const args: CliArgs = { from: [], port: 15010, host: '0.0.0.0', watch: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--from':
        args.from.push(value());
        break;
      case '--port': {
        const v = value();
        const port = Number(v);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${v}: expected a port number 0-65535\n\n${USAGE}`);
        args.port = port;
        break;
      }
      case '--host':
        args.host = value();
        break;
      case '--watch':
        args.watch = true;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(arg)}\n\n${USAGE}`);
    }
  }
  if (args.from.length === 0) throw new Error(`--from PATH is required\n\n${USAGE}`);
  return args;
}

/** Entry point of bin/amesh-xds-server.js; resolves with the exit code once stopped. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`amesh-xds-server: ${(err as Error).message}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string, level: string): void => void process.stderr.write(`amesh-xds-server ${level}: ${line}\n`);
  let plane;
  try {
    plane = await startFileControlPlane({ from: args.from, port: args.port, host: args.host, watch: args.watch, log });
  } catch (err) {
    process.stderr.write(`amesh-xds-server: cannot serve: ${(err as Error).message}\n`);
    return 1;
  }
  log(`listening on ${args.host}:${plane.port} (ADS, SotW and Delta)${args.watch ? ', watching for changes' : ''}`, 'info');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await plane.close();
  return 0;
}
