// Handlers of template operations.
import * as templates from '../../domain/templates.js';
import { actorOf, type HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

const withEtag = (profile: templates.AccessProfile) => ({ ETag: templates.etagOf(profile.version) });

export const accessProfileHandlers: HandlerGroup<
  | 'listAccessProfiles'
  | 'createAccessProfile'
  | 'getAccessProfile'
  | 'updateAccessProfile'
  | 'deleteAccessProfile'
  | 'activateAccessProfile'
  | 'deactivateAccessProfile'
  | 'cloneAccessProfile'
> = {
  async listAccessProfiles({ app, query }) {
    const page = pageParams(query);
    const tags = query.tags
      ? [
          ...new Set(
            query.tags
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          ),
        ]
      : undefined;
    const { items, total } = await templates.listProfiles(
      app.db,
      { search: query.search, tags, isActive: query.is_active },
      page.limit,
      page.offset,
    );
    return { status: 200, body: listPage('access_profiles', items, total, page) };
  },
  async createAccessProfile(ctx) {
    const profile = await templates.createProfile(ctx.app.db, ctx.body, actorOf(ctx));
    return { status: 201, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async getAccessProfile({ app, path }) {
    const { profile, roles, userCount } = await templates.getProfileDetail(app.db, path.id);
    return { status: 200, body: { access_profile: profile, roles, user_count: userCount }, headers: withEtag(profile) };
  },
  async updateAccessProfile(ctx) {
    const profile = await templates.updateProfile(ctx.app.db, ctx.path.id, ctx.body, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async deleteAccessProfile(ctx) {
    await templates.deleteProfile(ctx.app.db, ctx.path.id, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { message: `Access profile ${ctx.path.id} deleted.` } };
  },
  async activateAccessProfile(ctx) {
    const profile = await templates.setActive(ctx.app.db, ctx.path.id, true, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async deactivateAccessProfile(ctx) {
    const profile = await templates.setActive(ctx.app.db, ctx.path.id, false, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async cloneAccessProfile(ctx) {
    const profile = await templates.cloneProfile(ctx.app.db, ctx.path.id, ctx.body, actorOf(ctx));
    return { status: 201, body: { access_profile: profile }, headers: withEtag(profile) };
  },
};
