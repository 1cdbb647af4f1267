#!/usr/bin/env node
// npm run bench -- <name> [options]: runs tools/bench/dist/<name>-bench.js (built by `npm run bench`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist');
const available = fs.existsSync(dist)
  ? fs.readdirSync(dist).filter((f) => f.endsWith('-bench.js')).map((f) => f.slice(0, -'-bench.js'.length))
  : [];
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|') || 'name'}> [options]`);
  process.exit(2);
}
Promise.resolve(require(path.join(dist, `${name}-bench.js`)).main(args)).catch((err) => {
  console.error(err);
  process.exit(1);
});
