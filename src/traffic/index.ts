// Public API of netrunbook/traffic; modules add their exports here.
export {};
export * from './fields.js';
