#!/usr/bin/env node
// Compiles native/libxds.c into dist/native/libxds.so with the system C compiler (no node-gyp).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'native', 'libxds.so');
fs.mkdirSync(path.dirname(out), { recursive: true });
const cc = process.env.CC || 'cc';
// -z nodelete: the server thread's code must stay mapped even if LuaJIT unloads the library.
const args = ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Wl,-z,nodelete', '-pthread',
  '-o', out, path.join(root, 'native', 'libxds.c'), '-ldl'];
try {
  execFileSync(cc, args, { stdio: 'inherit' });
} catch (err) {
  console.error(`@amesh/storage: compiling libxds.so failed (${cc} ${args.join(' ')}); install a C compiler (gcc) or set CC`);
  process.exit(1);
}
