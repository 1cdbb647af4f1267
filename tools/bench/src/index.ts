export * from './mesh-generator.js';
