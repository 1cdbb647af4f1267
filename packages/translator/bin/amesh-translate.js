#!/usr/bin/env node
// amesh-translate FILE... [--output yaml|json] [--report PATH|-] [--strict]
'use strict';
const path = require('node:path');
const main = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
try {
  require.resolve(main);
} catch {
  process.stderr.write(`amesh-translate: ${main} is missing; build first (npm run build)\n`);
  process.exit(1);
}
require(main);
