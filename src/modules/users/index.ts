// The public face of this module: what other modules may import.

export { type UserRow, usersRepository } from './users.repository.js';
export { email, UpdateProfileBody, type UpdateProfileInput, User } from './users.schemas.js';
