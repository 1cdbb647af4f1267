import koffi from 'koffi';

/**
 * glibc's malloc_trim(0), through koffi: returns the free pages of every malloc arena to the OS.
 * V8's GC helper threads allocate their work lists from per-thread arenas, which glibc keeps
 * after a large collection (~30 MB at 10,000 services) until asked. Undefined where there is no
 * glibc (musl, macOS): nothing to trim there, or no way to.
 */
export function loadMallocTrim(): (() => void) | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number;
    return () => void trim(0);
  } catch {
    return undefined;
  }
}

let loaded: (() => void) | null | undefined;

/** malloc_trim(0) where glibc has it (loaded on first use: koffi costs memory storage nothing until then); a no-op elsewhere. */
export function releaseFreeMallocMemory(): void {
  if (loaded === undefined) loaded = loadMallocTrim() ?? null;
  loaded?.();
}
