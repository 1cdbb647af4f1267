#!/usr/bin/env node
'use strict';
// amesh-xds-server --from PATH [--port 15010] [--watch]: see packages/transport/README.md.
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
