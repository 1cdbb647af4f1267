// The one I/O seam: every iptables / ip invocation goes through an Exec, so tests can run the same
// code inside a network namespace (or record calls) and the builder stays pure.
import { spawn } from 'node:child_process';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command args...` with optional stdin; resolves with the exit code (never rejects on non-zero). */
export type Exec = (command: string, args: readonly string[], input?: string) => Promise<ExecResult>;

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

export function processExec(timeoutMs = DEFAULT_EXEC_TIMEOUT_MS): Exec {
  return (command, args, input) =>
    new Promise((resolve) => {
      const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      // Our own timer rather than spawn's `timeout`, which stays armed when the spawn itself fails.
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      let stdout = '';
      let stderr = '';
      const done = (result: ExecResult): void => {
        clearTimeout(timer);
        resolve(result);
      };
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', (error) => done({ code: 127, stdout, stderr: `${stderr}${error.message}` }));
      child.on('close', (code, signal) => done({ code: code ?? 128, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr }));
      child.stdin.on('error', () => undefined); // the command may exit before reading stdin
      child.stdin.end(input ?? '');
    });
}

export class ExecError extends Error {
  constructor(command: string, args: readonly string[], result: ExecResult) {
    super(`${[command, ...args].join(' ')} failed with exit code ${result.code}: ${result.stderr.trim() || result.stdout.trim() || 'no output'}`);
    this.name = 'ExecError';
  }
}

export async function run(exec: Exec, command: string, args: readonly string[], input?: string): Promise<ExecResult> {
  const result = await exec(command, args, input);
  if (result.code !== 0) throw new ExecError(command, args, result);
  return result;
}
