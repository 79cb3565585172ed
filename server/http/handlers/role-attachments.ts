// Handlers of role attachments and propagation.
import { attachRoles, detachRole } from '../../domain/role-attachments.js';
import { propagate } from '../../domain/propagation.js';
import { actorOf, type HandlerGroup } from '../operations.js';

export const roleAttachmentHandlers: HandlerGroup<
  'attachRolesToAccessProfile' | 'detachRoleFromAccessProfile' | 'propagateAccessProfile'
> = {
  async attachRolesToAccessProfile(ctx) {
    const { roles, usersApplied } = await attachRoles(ctx.app.db, ctx.path.id, ctx.body, actorOf(ctx));
    return {
      status: 200,
      body: {
        message: `Access profile ${ctx.path.id} attached to ${roles} role${roles === 1 ? '' : 's'}.`,
        users_applied: usersApplied,
      },
    };
  },
  async detachRoleFromAccessProfile(ctx) {
    await detachRole(ctx.app.db, ctx.path.id, ctx.path.role_id, actorOf(ctx));
    return { status: 200, body: { message: `Access profile ${ctx.path.id} detached from role ${ctx.path.role_id}.` } };
  },
  async propagateAccessProfile(ctx) {
    return { status: 200, body: await propagate(ctx.app.db, ctx.path.id, ctx.body, actorOf(ctx)) };
  },
};
