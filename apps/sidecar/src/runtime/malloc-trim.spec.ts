import { loadMallocTrim, releaseFreeMallocMemory } from './malloc-trim.js';

describe('malloc_trim', () => {
  it('binds glibc malloc_trim on Linux and returns free malloc memory without harm', () => {
    const trim = loadMallocTrim();
    expect(trim).toBeInstanceOf(Function);
    // Free a few MB through malloc (Buffers above the pool size), then trim: the process goes on.
    let blocks: Buffer[] = Array.from({ length: 64 }, () => Buffer.alloc(64 * 1024, 1));
    expect(blocks.reduce((n, b) => n + b[0]!, 0)).toBe(64);
    blocks = [];
    expect(() => trim!()).not.toThrow();
    expect(() => releaseFreeMallocMemory()).not.toThrow();
    expect(blocks).toHaveLength(0);
  });
});
