// The public face of this module: its routes (registered in src/modules/index.ts).
export { csvRoutes } from './csv.routes.js';
