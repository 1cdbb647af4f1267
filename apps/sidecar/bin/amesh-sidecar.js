#!/usr/bin/env -S node --max-semi-space-size=4 --expose-gc --v8-pool-size=1
// amesh-sidecar: the agent's command line (built code in ../dist; `npm run build` first).
// --max-semi-space-size=4: V8 grows the young generation to 2 x 16 MB during a large initial sync and
// keeps it; 4 MB semi-spaces save ~30 MB of RSS at 10k services with the same push latency.
// --expose-gc: one full collection after a large apply (src/runtime/heap-compactor.ts) returns the
// initial sync's garbage to the OS: ~-25 MB RSS at 10k services.
// --v8-pool-size=1: one V8 worker thread instead of four. A sidecar shares one or two cores with
// the proxy; more GC and compiler threads only contend with the thread that applies pushes (and
// each keeps malloc arenas): -5 MB RSS, p99 of an endpoint change ~8 -> ~6 ms at 10k services.
// Measured with `npm run bench -- sidecar`. Run this file directly (the images do) to keep the flags.
'use strict';
const { main } = require('../dist/cli/main.js');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
