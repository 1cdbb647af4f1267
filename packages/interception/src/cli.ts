// `amesh-sidecar iptables [flags]`: parse and validate everything first, then print (dry run),
// clean up, or apply. Exit codes: 0 done, 2 invalid options (nothing touched), 1 applying failed.
import { applyRules, cleanupRules } from './apply.js';
import { buildRules } from './build-rules.js';
import { processExec, type Exec } from './exec.js';
import { usage } from './flags.js';
import type { InterceptionOptions } from './options.js';
import { parseInterceptionArgs, type ParseContext } from './parse-args.js';
import { buildRouteCommands } from './route-commands.js';

export interface Writable {
  write(text: string): unknown;
}

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Runs iptables/ip; defaults to real child processes. */
  readonly exec?: Exec;
  /** Account and resolver files; default to the system's. */
  readonly context?: ParseContext;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

/** The dry-run text: both restore scripts and the ip commands, each under a comment naming its tool. */
export function renderDryRun(options: InterceptionOptions): string {
  if (options.cleanupOnly) {
    return '# cleanup only: would remove the jumps into AMESH_* chains, the AMESH_* chains (IPv4 and IPv6)\n' +
      `# and the TPROXY rule "fwmark ${options.tproxyMark} lookup ${options.tproxyRouteTable}" with its table's local default route\n`;
  }
  const scripts = buildRules(options);
  const parts = ['# iptables-restore --noflush\n', scripts.ipv4];
  if (scripts.ipv6 !== undefined) parts.push('# ip6tables-restore --noflush\n', scripts.ipv6);
  for (const command of buildRouteCommands(options)) parts.push(`# ip ${command.args.join(' ')}\n`);
  return parts.join('');
}

export async function runIptablesCli(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const parsed = parseInterceptionArgs(argv, io.context);
  if (!parsed.ok) {
    io.stderr.write(`amesh-sidecar iptables: ${parsed.error}\n`);
    return EXIT_INVALID;
  }
  if (parsed.help) {
    io.stdout.write(usage());
    return EXIT_OK;
  }
  const { options } = parsed;
  if (options.dryRun) {
    io.stdout.write(renderDryRun(options));
    return EXIT_OK;
  }
  const exec = io.exec ?? processExec();
  try {
    if (options.cleanupOnly) {
      await cleanupRules(exec, options);
      io.stdout.write('amesh-sidecar iptables: removed AMESH_* chains and their jumps\n');
    } else {
      await applyRules(options, exec);
      io.stdout.write(`amesh-sidecar iptables: applied ${options.mode} capture (${options.dualStack ? 'IPv4 + IPv6' : 'IPv4'})\n`);
    }
    return EXIT_OK;
  } catch (error) {
    io.stderr.write(`amesh-sidecar iptables: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }
}
