// tsc does not copy the descriptor-set image; the registry reads it from beside the compiled code.
const fs = require('node:fs');
const path = require('node:path');
const dir = path.resolve(__dirname, '..');
fs.mkdirSync(path.join(dir, 'dist', 'gen'), { recursive: true });
fs.copyFileSync(path.join(dir, 'src', 'gen', 'envoy-image.binpb'), path.join(dir, 'dist', 'gen', 'envoy-image.binpb'));
