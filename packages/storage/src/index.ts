import type * as EtcdModule from './etcd-backend.js';
import { lazyExport } from './lazy-export.js';
import type * as ShdictModule from './shdict-backend.js';
import type * as NativeModule from './shdict-native.js';
import type * as StandaloneModule from './standalone-format.js';
import type * as YamlModule from './yaml-backend.js';

export * from './storage.js';
export * from './errors.js';
export { createStorage, parseStorageSpec, type CreateStorageOptions, type StorageSpec } from './create-storage.js';
export { QueuedStorage } from './queued-storage.js';
export type { Backend, KeyFailure } from './backend.js';
export { MemoryBackend } from './memory-backend.js';
export { safeOrder, coalesce, changeKey } from './change-order.js';
export { emptyState, applyToState, cloneState, stateAsChanges, stateSize } from './state.js';

// The backends below load on first use (see lazy-export.ts): declared here, defined at run time.
export type { EtcdBackendOptions } from './etcd-backend.js';
export type { ShdictBackendOptions } from './shdict-backend.js';
export type { StandaloneFormat } from './standalone-format.js';
export type EtcdBackend = EtcdModule.EtcdBackend;
export declare const EtcdBackend: typeof EtcdModule.EtcdBackend;
export type YamlBackend = YamlModule.YamlBackend;
export declare const YamlBackend: typeof YamlModule.YamlBackend;
export type ShdictBackend = ShdictModule.ShdictBackend;
export declare const ShdictBackend: typeof ShdictModule.ShdictBackend;
export declare const LIBXDS_PATH: typeof NativeModule.LIBXDS_PATH;
export declare const DEFAULT_XDS_SOCKET: typeof NativeModule.DEFAULT_XDS_SOCKET;
export declare const formatStandalone: typeof StandaloneModule.formatStandalone;
export declare const parseStandalone: typeof StandaloneModule.parseStandalone;
export declare const END_MARKER: typeof StandaloneModule.END_MARKER;

lazyExport(module.exports, () => require('./etcd-backend.js') as typeof EtcdModule, ['EtcdBackend']);
lazyExport(module.exports, () => require('./yaml-backend.js') as typeof YamlModule, ['YamlBackend']);
lazyExport(module.exports, () => require('./shdict-backend.js') as typeof ShdictModule, ['ShdictBackend']);
lazyExport(module.exports, () => require('./shdict-native.js') as typeof NativeModule, ['LIBXDS_PATH', 'DEFAULT_XDS_SOCKET']);
lazyExport(module.exports, () => require('./standalone-format.js') as typeof StandaloneModule, [
  'formatStandalone',
  'parseStandalone',
  'END_MARKER',
]);
