// Every operation of the spec, by operationId. A missing or mistyped handler fails `tsc`.
import type { Handlers } from '../operations.js';
import { accessProfileHandlers } from './access-profiles.js';
import { apiKeyHandlers } from './api-keys.js';
import { historyHandlers } from './history.js';
import { pendingDirectoryHandlers } from './pending.js';

export const handlers: Handlers = {
  ...accessProfileHandlers,
  ...historyHandlers,
  ...apiKeyHandlers,
  ...pendingDirectoryHandlers,
};
