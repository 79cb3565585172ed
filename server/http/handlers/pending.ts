// Operations of roles, users and user copies answer 501 until the directory lands (issue 4).
import { ApiError } from '../errors.js';
import type { HandlerGroup } from '../operations.js';

export const PENDING_OPERATIONS = [
  'listRoles', 'createRole', 'deleteRole', 'listUsers', 'createUser', 'getUser', 'updateUser', 'deleteUser',
  'attachAccessProfileRoles', 'detachAccessProfileRole', 'propagateAccessProfile', 'listUserAccessProfiles',
  'detachUserAccessProfile', 'setBudgetOverride', 'removeBudgetOverride', 'createUserVirtualKey', 'deleteUserVirtualKey',
] as const;

const pending = async (): Promise<never> => {
  throw new ApiError(501, 'not_implemented', 'This operation is not implemented yet.');
};

export const pendingDirectoryHandlers = Object.fromEntries(PENDING_OPERATIONS.map((op) => [op, pending])) as unknown as HandlerGroup<(typeof PENDING_OPERATIONS)[number]>;
