// The loader: reads xDS resources from files in every format of testdata/xds/PROVENANCE.md.
// Separate from the translator's core because it does I/O (loadXdsPaths); parseXdsDocument is pure.
export { parseXdsDocument } from './parse-xds-document.js';
export { loadXdsPaths, XDS_FILE_EXTENSIONS } from './load-xds-paths.js';
export { XdsLoadError, type XdsLoadErrorCode } from './xds-load-error.js';
export type { LoadResult, LoadReportItem, LoadedSource, LoadedResourceRef, XdsDocumentFormat } from './load-result.js';
