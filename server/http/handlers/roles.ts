// Handlers of roles.
import * as roles from '../../domain/roles.js';
import type { HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

export const roleHandlers: HandlerGroup<'listRoles' | 'createRole' | 'deleteRole'> = {
  async listRoles({ app, query }) {
    const page = pageParams(query);
    const { items, total } = await roles.listRoles(app.db, page.limit, page.offset);
    return { status: 200, body: listPage('roles', items, total, page) };
  },
  async createRole({ app, body }) {
    return { status: 201, body: { role: await roles.createRole(app.db, body) } };
  },
  async deleteRole({ app, path }) {
    await roles.deleteRole(app.db, path.role_id);
    return { status: 200, body: { message: `Role ${path.role_id} deleted.` } };
  },
};
