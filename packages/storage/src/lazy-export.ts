/**
 * Defines `names` on `target` as getters that load `load()`'s module on first read. The heavy
 * backends (etcd3 with its gRPC stack, koffi's native library, yaml) then cost nothing to a process
 * that never uses them, while `import { EtcdBackend } from '@amesh/storage'` keeps working.
 */
export function lazyExport<M extends object>(target: object, load: () => M, names: readonly (keyof M & string)[]): void {
  let loaded: M | undefined;
  for (const name of names) {
    Object.defineProperty(target, name, { enumerable: true, configurable: true, get: () => (loaded ??= load())[name] });
  }
}
