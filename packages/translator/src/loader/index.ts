// The loader: reads xDS resources from files in every format of testdata/xds/PROVENANCE.md.
// Separate from the translator's core because it does I/O. Implementation: see xds-loader.ts.
export {};
