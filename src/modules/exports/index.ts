// The public face of this module: what other modules and the CLI may import.

export { exportCompany } from './export.stream.js';
export { EXPORT_FORMAT, EXPORT_VERSION, RECORD_TYPES } from './export.types.js';
export { exportsRoutes } from './exports.routes.js';
export { type ImportResult, importCompany } from './import.js';
