import type { ApisixConfigFormat } from '../apisix-config-format.js';
import { parsePortMatch, type PortMatch } from '../listener-scope.js';

export const USAGE = `usage: amesh-translate FILE... [--output yaml|json] [--report PATH|-] [--strict]

Translates Envoy xDS resources (config_dump, DiscoveryResponse, resource lists, bootstrap; JSON or
YAML; files or folders) into an APISIX standalone configuration printed on standard output.

  -o, --output yaml|json  apisix.yaml form (default, ends with #END) or apisix.json form
  -r, --report PATH|-     write the report (what was not translated, and why) as JSON to PATH,
                          or to standard error with -
      --port-match M      capture | server_port | none: how routes of different listeners are told
                          apart (default capture, as amesh-sidecar: REDIRECT interception)
      --capture-ports O,I the capture ports of --port-match capture (default 15001,15006)
      --strict            exit 3 when the report is not empty
  -h, --help              show this help

exit status: 0 success, 1 unreadable or invalid input, 2 bad usage, 3 --strict and a non-empty report`;

export interface CliOptions {
  files: string[];
  output: ApisixConfigFormat;
  /** Where the report goes: a path, `-` for standard error, or undefined for a summary line only. */
  report?: string;
  strict: boolean;
  portMatch: PortMatch;
}

export type ParsedArgs = { kind: 'run'; options: CliOptions } | { kind: 'help' } | { kind: 'usage-error'; message: string };

/** Parses the command line. Pure; `--` ends options. */
export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  const options: CliOptions = { files: [], output: 'yaml', strict: false, portMatch: 'capture' };
  let mode = 'capture';
  let capturePorts: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      options.files.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      options.files.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? (i + 1 < argv.length ? argv[++i] : undefined);
    switch (name) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '--strict':
        if (inline !== undefined) return { kind: 'usage-error', message: '--strict takes no value' };
        options.strict = true;
        break;
      case '-o':
      case '--output': {
        const v = value();
        if (v !== 'yaml' && v !== 'json') return { kind: 'usage-error', message: `--output expects yaml or json, got ${v === undefined ? 'nothing' : JSON.stringify(v)}` };
        options.output = v;
        break;
      }
      case '-r':
      case '--report': {
        const v = value();
        if (v === undefined || v === '') return { kind: 'usage-error', message: '--report expects a file path, or - for standard error' };
        options.report = v;
        break;
      }
      case '--port-match':
      case '--capture-ports': {
        const v = value();
        if (v === undefined || v === '') return { kind: 'usage-error', message: `${name} expects a value` };
        if (name === '--port-match') mode = v;
        else capturePorts = v;
        break;
      }
      default:
        return { kind: 'usage-error', message: `unknown option ${name}` };
    }
  }
  const pm = parsePortMatch(mode, capturePorts);
  if ('problem' in pm) return { kind: 'usage-error', message: `--port-match/--capture-ports: ${pm.problem}` };
  options.portMatch = pm.portMatch;
  if (options.files.length === 0) return { kind: 'usage-error', message: 'expected at least one FILE (an xDS file or folder)' };
  return { kind: 'run', options };
}
