export * from './core/verdict.js';
export * from './core/errors.js';
