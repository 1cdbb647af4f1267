export * from './xds-snapshot.js';
