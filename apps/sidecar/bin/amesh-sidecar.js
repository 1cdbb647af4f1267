#!/usr/bin/env node
// amesh-sidecar: the agent's command line (built code in ../dist; `npm run build` first).
'use strict';
const { main } = require('../dist/cli/main.js');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
