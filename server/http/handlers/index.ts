// Every operation of the spec, by operationId. A missing or mistyped handler fails `tsc`.
import type { Handlers } from '../operations.js';
import { accessProfileHandlers } from './access-profiles.js';
import { apiKeyHandlers } from './api-keys.js';
import { healthHandlers } from './health.js';
import { historyHandlers } from './history.js';
import { roleAttachmentHandlers } from './role-attachments.js';
import { roleHandlers } from './roles.js';
import { userAccessProfileHandlers } from './user-access-profiles.js';
import { userHandlers } from './users.js';

export const handlers: Handlers = {
  ...accessProfileHandlers,
  ...historyHandlers,
  ...apiKeyHandlers,
  ...roleHandlers,
  ...userHandlers,
  ...roleAttachmentHandlers,
  ...userAccessProfileHandlers,
  ...healthHandlers,
};
