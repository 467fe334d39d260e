export * from './zoom-route-table.js';
