// Handlers of users.
import * as users from '../../domain/users.js';
import { actorOf, type HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

export const userHandlers: HandlerGroup<'listUsers' | 'createUser' | 'getUser' | 'updateUser' | 'deleteUser'> = {
  async listUsers({ app, query }) {
    const page = pageParams(query);
    const { items, total } = await users.listUsers(app.db, query.role_id, page.limit, page.offset);
    return { status: 200, body: listPage('users', items, total, page) };
  },
  async createUser(ctx) {
    const { user, provisioned } = await users.createUser(ctx.app.db, ctx.body, actorOf(ctx));
    return { status: 201, body: { user, provisioned_profile_ids: provisioned } };
  },
  async getUser({ app, path }) {
    return { status: 200, body: { user: await users.getUser(app.db, path.user_id) } };
  },
  async updateUser(ctx) {
    const { user, provisioned } = await users.updateUser(ctx.app.db, ctx.path.user_id, ctx.body, actorOf(ctx));
    return { status: 200, body: { user, provisioned_profile_ids: provisioned } };
  },
  async deleteUser(ctx) {
    const removed = await users.deleteUser(ctx.app.db, ctx.path.user_id, actorOf(ctx));
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
    return {
      status: 200,
      body: {
        message: `User '${ctx.path.user_id}' deleted with ${plural(removed.copies, 'access profile copy').replace('copys', 'copies')} and ${plural(removed.keys, 'virtual key')}.`,
      },
    };
  },
};
