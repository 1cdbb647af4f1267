/**
 * Why a document could not be loaded:
 * - `io`: the file cannot be read; `syntax`: not JSON/YAML;
 * - `shape`: parses, but is none of the known xDS document shapes;
 * - `value`: a known shape with a wrong value at `path`.
 */
export type XdsLoadErrorCode = 'io' | 'syntax' | 'shape' | 'value';

/**
 * Unreadable or invalid xDS input. The message names the file, the JSON path inside it (as written
 * in the file, e.g. `configs[1].dynamic_active_clusters[3].cluster.connect_timeout`) and what was
 * expected there, so the user can fix the file without reading our code.
 */
export class XdsLoadError extends Error {
  override readonly name = 'XdsLoadError';

  constructor(
    /** The file (or the label given to parseXdsDocument). */
    readonly source: string,
    /** JSON path inside the document; empty for the document as a whole. */
    readonly path: string,
    /** What is wrong and what is expected. */
    readonly problem: string,
    readonly code: XdsLoadErrorCode = 'value',
  ) {
    super(`${source}${path ? `: at ${path}` : ''}: ${problem}`);
  }
}
