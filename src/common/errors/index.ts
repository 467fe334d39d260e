export * from './error-code.js';
export * from './domain-error.js';
export * from './error-message.js';
export * from './loggable-error.js';
export * from './database-errors.js';
