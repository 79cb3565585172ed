// Handlers of roles.
import * as directory from '../../domain/directory.js';
import type { HandlerGroup } from '../operations.js';

export const roleHandlers: HandlerGroup<'listRoles' | 'createRole' | 'deleteRole'> = {
  async listRoles({ app, query }) {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { items, total } = await directory.listRoles(app.db, limit, offset);
    return { status: 200, body: { roles: items, count: items.length, total_count: total, limit, offset } };
  },
  async createRole({ app, body }) {
    return { status: 201, body: { role: await directory.createRole(app.db, body) } };
  },
  async deleteRole({ app, path }) {
    await directory.deleteRole(app.db, path.role_id);
    return { status: 200, body: { message: `Role ${path.role_id} deleted.` } };
  },
};
