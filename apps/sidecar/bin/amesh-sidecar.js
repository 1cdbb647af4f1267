#!/usr/bin/env -S node --max-semi-space-size=4 --expose-gc
// amesh-sidecar: the agent's command line (built code in ../dist; `npm run build` first).
// --max-semi-space-size=4: V8 grows the young generation to 2 x 16 MB during a large initial sync and
// keeps it; 4 MB semi-spaces save ~30 MB of RSS at 10k services with the same push latency.
// --expose-gc: one full collection after a large apply (src/runtime/heap-compactor.ts) returns the
// initial sync's garbage to the OS: ~-25 MB RSS at 10k services (`npm run bench -- sidecar`).
// Run this file directly (the images do) to keep the flags.
'use strict';
const { main } = require('../dist/cli/main.js');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
