// The public face of this module: what other modules may import.

export { reportsRoutes } from './reports.routes.js';
export { ReportService } from './reports.service.js';
