// The public face of this module: what other modules may import.

export {
  EVENT_TYPES,
  type EventMeta,
  type EventType,
  type NewEvent,
  NOTIFICATION_REASONS,
  type NotificationReason,
  type RecordedEvent,
  recordEvents,
} from './events.js';
