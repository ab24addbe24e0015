// The public face of this module: what other modules may import.

export {
  type CallerRead,
  callerRelation,
  callerValues,
  foundCaller,
  readAsCaller,
} from './api-keys.caller.js';
export { apiKeysRepository } from './api-keys.repository.js';
