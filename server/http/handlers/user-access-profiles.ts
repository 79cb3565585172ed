// Handlers of users' copies, budget overrides and virtual keys.
import * as userAccessProfiles from '../../domain/user-access-profiles.js';
import { actorOf, type HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

export const userAccessProfileHandlers: HandlerGroup<
  | 'listUserAccessProfiles'
  | 'getUserAccessProfile'
  | 'detachUserAccessProfile'
  | 'updateUserAccessProfileBudgetOverride'
  | 'deleteUserAccessProfileBudgetOverride'
  | 'createUserVirtualKey'
  | 'deleteUserVirtualKey'
  | 'addUserAccessProfileVirtualKey'
> = {
  async listUserAccessProfiles({ app, path, query }) {
    const page = pageParams(query);
    const { items, total } = await userAccessProfiles.listUserCopies(app.db, path.user_id, page.limit, page.offset);
    return { status: 200, body: listPage('access_profiles', items, total, page) };
  },
  async getUserAccessProfile({ app, path }) {
    return {
      status: 200,
      body: { access_profile: await userAccessProfiles.getUserCopy(app.db, path.user_id, path.profile_id) },
    };
  },
  async detachUserAccessProfile(ctx) {
    const names = await userAccessProfiles.detachCopy(ctx.app.db, ctx.path.user_id, ctx.path.profile_id, actorOf(ctx));
    return {
      status: 200,
      body: {
        message: `Access profile ${ctx.path.profile_id} detached from user '${ctx.path.user_id}'.`,
        deleted_vk_names: names,
        deleted_vk_count: names.length,
      },
    };
  },
  async updateUserAccessProfileBudgetOverride(ctx) {
    const { user_id, profile_id, budget_id } = ctx.path;
    const budget = await userAccessProfiles.setBudgetOverride(
      ctx.app.db,
      { userId: user_id, profileId: profile_id, budgetId: budget_id },
      ctx.body,
      actorOf(ctx),
    );
    return { status: 200, body: { budget, effective_max_limit: budget.effective_limit } };
  },
  async deleteUserAccessProfileBudgetOverride(ctx) {
    const { user_id, profile_id, budget_id } = ctx.path;
    const budget = await userAccessProfiles.removeBudgetOverride(
      ctx.app.db,
      { userId: user_id, profileId: profile_id, budgetId: budget_id },
      actorOf(ctx),
    );
    return { status: 200, body: { budget, effective_max_limit: budget.effective_limit } };
  },
  async addUserAccessProfileVirtualKey(ctx) {
    return {
      status: 200,
      body: {
        virtual_key: await userAccessProfiles.createVirtualKey(
          ctx.app.db,
          ctx.path.user_id,
          ctx.body,
          actorOf(ctx),
          ctx.path.profile_id,
        ),
      },
    };
  },
  async createUserVirtualKey(ctx) {
    return {
      status: 201,
      body: {
        virtual_key: await userAccessProfiles.createVirtualKey(ctx.app.db, ctx.path.user_id, ctx.body, actorOf(ctx)),
      },
    };
  },
  async deleteUserVirtualKey(ctx) {
    const name = await userAccessProfiles.deleteVirtualKey(ctx.app.db, ctx.path.user_id, ctx.path.vk_id, actorOf(ctx));
    return { status: 200, body: { message: `Virtual key '${name}' deleted.` } };
  },
};
