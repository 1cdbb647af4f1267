import { parseCliArgs } from './cli-args.js';

test('defaults: yaml, no report file, not strict, capture scoping as the sidecar', () => {
  expect(parseCliArgs(['a.json', 'dir'])).toEqual({ kind: 'run', options: { files: ['a.json', 'dir'], output: 'yaml', strict: false, portMatch: 'capture' } });
});

test('--port-match and --capture-ports', () => {
  expect(parseCliArgs(['a', '--port-match', 'server_port'])).toMatchObject({ options: { portMatch: 'server_port' } });
  expect(parseCliArgs(['a', '--capture-ports=15101,15106'])).toMatchObject({ options: { portMatch: { mode: 'capture', ports: { outbound: 15101, inbound: 15106 } } } });
  expect(parseCliArgs(['a', '--port-match', 'tproxy'])).toEqual({ kind: 'usage-error', message: '--port-match/--capture-ports: expected capture, server_port or none (got "tproxy")' });
  expect(parseCliArgs(['a', '--capture-ports', '15001'])).toMatchObject({ kind: 'usage-error', message: expect.stringContaining('expected OUT,IN') });
});

test('every option, in both spellings, anywhere on the line', () => {
  expect(parseCliArgs(['--output', 'json', 'a', '--report=r.json', '--strict', 'b'])).toEqual({
    kind: 'run',
    options: { files: ['a', 'b'], output: 'json', report: 'r.json', strict: true, portMatch: 'capture' },
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
