import { parseCliArgs } from './cli-args.js';

test('defaults: yaml, no report file, not strict', () => {
  expect(parseCliArgs(['a.json', 'dir'])).toEqual({ kind: 'run', options: { files: ['a.json', 'dir'], output: 'yaml', strict: false } });
});

test('every option, in both spellings, anywhere on the line', () => {
  expect(parseCliArgs(['--output', 'json', 'a', '--report=r.json', '--strict', 'b'])).toEqual({
    kind: 'run',
    options: { files: ['a', 'b'], output: 'json', report: 'r.json', strict: true },
  });
  expect(parseCliArgs(['-o', 'yaml', '-r', '-', 'a'])).toMatchObject({ options: { output: 'yaml', report: '-' } });
  expect(parseCliArgs(['--', '--strict'])).toMatchObject({ options: { files: ['--strict'], strict: false } });
});

test('bad usage is reported with what was expected', () => {
  expect(parseCliArgs([])).toEqual({ kind: 'usage-error', message: 'expected at least one FILE (an xDS file or folder)' });
  expect(parseCliArgs(['a', '--output', 'xml'])).toEqual({ kind: 'usage-error', message: '--output expects yaml or json, got "xml"' });
  expect(parseCliArgs(['a', '--output'])).toEqual({ kind: 'usage-error', message: '--output expects yaml or json, got nothing' });
  expect(parseCliArgs(['a', '--report'])).toMatchObject({ kind: 'usage-error' });
  expect(parseCliArgs(['a', '--verbose'])).toEqual({ kind: 'usage-error', message: 'unknown option --verbose' });
  expect(parseCliArgs(['a', '--strict=yes'])).toMatchObject({ kind: 'usage-error' });
  expect(parseCliArgs(['a', '-h'])).toEqual({ kind: 'help' });
});
