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
  // Best effort: without a C compiler every backend but shdict still works, and `npm ci` (which
  // builds through `prepare`) must not fail for users who only want the translator. The shdict
  // backend reports the missing library when it is used. AMESH_REQUIRE_NATIVE=1 makes it fatal.
  console.error(`@amesh/storage: compiling libxds.so failed (${cc} ${args.join(' ')}); the shdict backend is unavailable until a C compiler (gcc) is installed or CC is set`);
  if (process.env.AMESH_REQUIRE_NATIVE === '1') process.exit(1);
}
