// The public face of this module: what other modules may import.

export { apiKeysRepository } from './api-keys.repository.js';
