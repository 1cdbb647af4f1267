import { ExecError, processExec, run } from './exec.js';

describe('processExec', () => {
  const exec = processExec(5_000);

  it('feeds stdin and collects stdout and the exit code', async () => {
    expect(await exec('cat', [], '*nat\nCOMMIT\n')).toEqual({ code: 0, stdout: '*nat\nCOMMIT\n', stderr: '' });
    expect((await exec('sh', ['-c', 'echo oops >&2; exit 3'])).code).toBe(3);
  });

  it('reports a missing command as exit 127 instead of throwing', async () => {
    const result = await exec('amesh-no-such-command', []);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain('ENOENT');
  });

  it('run() throws an ExecError naming the command and its stderr', async () => {
    await expect(run(exec, 'sh', ['-c', 'echo bad rule >&2; exit 1'])).rejects.toThrow(new ExecError('sh', ['-c', 'echo bad rule >&2; exit 1'], { code: 1, stdout: '', stderr: 'bad rule\n' }));
  });
});
