export * from './spec.schema.js';
export * from './spec.normalize.js';
export * from './spec.validate.js';
export * from './spec.rules.js';
export * from './sanitizer.js';
export * from './spec.parse.js';
export * from './presets/presets.js';
