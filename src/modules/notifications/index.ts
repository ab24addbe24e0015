// The public face of this module: what other modules may import.

export { insertNotifications, notificationsRepository } from './notifications.repository.js';
export { notifyForEvents } from './notifications.rules.js';
