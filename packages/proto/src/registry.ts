import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFileRegistry, createRegistry, fromBinary, type Registry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { generatedFiles } from './gen/files.js';

let generated: Registry | undefined;
let full: Registry | undefined;

/** Registry of every generated type: what Any fields in the resources amesh translates need. */
export function typeRegistry(): Registry {
  generated ??= createRegistry(...generatedFiles);
  return generated;
}

/**
 * Registry built from a descriptor set of every Envoy v3, xds and udpa type (2 MB, read lazily on
 * first call). It decodes typed configs we do not generate code for, e.g. Wasm or ext_authz filters
 * met in real config dumps; messages from it are generic (read them with reflection).
 */
export function envoyRegistry(): Registry {
  if (!full) {
    const bytes = fs.readFileSync(path.join(__dirname, 'gen', 'envoy-image.binpb'));
    const set = fromBinary(FileDescriptorSetSchema, bytes);
    full = createRegistry(typeRegistry(), createFileRegistry(set));
  }
  return full;
}
