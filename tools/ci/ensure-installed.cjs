// Makes the README's two commands (`npm start`, `npm test`) work right after cloning: installs the
// workspace with `npm ci` (which also builds every package) when it has not been installed yet.
// Only Node built-ins here: nothing else exists before the install.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
const installed = ['node_modules/.package-lock.json', 'node_modules/nx/package.json'].every((f) => fs.existsSync(path.join(root, f)));
if (!installed) {
  console.error('amesh: first run, installing the workspace (npm ci) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`amesh: npm ci failed (exit ${r.status ?? r.signal}); fix the error above and run it again`);
    process.exit(r.status ?? 1);
  }
}
