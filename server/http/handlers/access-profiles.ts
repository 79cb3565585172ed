// Handlers of template operations.
import * as accessProfiles from '../../domain/access-profiles.js';
import { actorOf, type HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

const withEtag = (profile: accessProfiles.AccessProfile) => ({ ETag: accessProfiles.etagOf(profile.version) });

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
    const { items, total } = await accessProfiles.listProfiles(
      app.db,
      { search: query.search, tags, isActive: query.is_active },
      page.limit,
      page.offset,
    );
    return { status: 200, body: listPage('access_profiles', items, total, page) };
  },
  async createAccessProfile(ctx) {
    const profile = await accessProfiles.createProfile(ctx.app.db, ctx.body, actorOf(ctx));
    return { status: 201, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async getAccessProfile({ app, path }) {
    const { profile, roles, userCount } = await accessProfiles.getProfileDetail(app.db, path.id);
    return { status: 200, body: { access_profile: profile, roles, user_count: userCount }, headers: withEtag(profile) };
  },
  async updateAccessProfile(ctx) {
    const profile = await accessProfiles.updateProfile(ctx.app.db, ctx.path.id, ctx.body, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async deleteAccessProfile(ctx) {
    await accessProfiles.deleteProfile(ctx.app.db, ctx.path.id, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { message: `Access profile ${ctx.path.id} deleted.` } };
  },
  async activateAccessProfile(ctx) {
    const profile = await accessProfiles.setActive(ctx.app.db, ctx.path.id, true, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async deactivateAccessProfile(ctx) {
    const profile = await accessProfiles.setActive(ctx.app.db, ctx.path.id, false, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { access_profile: profile }, headers: withEtag(profile) };
  },
  async cloneAccessProfile(ctx) {
    const profile = await accessProfiles.cloneProfile(ctx.app.db, ctx.path.id, ctx.body, actorOf(ctx));
    return { status: 201, body: { access_profile: profile }, headers: withEtag(profile) };
  },
};
