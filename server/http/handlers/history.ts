// Handlers of versions, restore and audit logs.
import * as history from '../../domain/history.js';
import { etagOf, restoreVersion } from '../../domain/access-profiles.js';
import { actorOf, type HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

export const historyHandlers: HandlerGroup<
  | 'listAccessProfileVersions'
  | 'getAccessProfileVersion'
  | 'restoreAccessProfileVersion'
  | 'listAccessProfileAuditLogsById'
  | 'listAccessProfileAuditLogs'
> = {
  async listAccessProfileVersions({ app, path, query }) {
    const page = pageParams(query);
    const { items, total } = await history.listVersions(app.db, path.id, page.limit, page.offset);
    return { status: 200, body: listPage('versions', items, total, page) };
  },
  async getAccessProfileVersion({ app, path }) {
    return { status: 200, body: { version: await history.getVersion(app.db, path.id, path.version) } };
  },
  async restoreAccessProfileVersion(ctx) {
    const profile = await restoreVersion(ctx.app.db, ctx.path.id, ctx.path.version, ctx.ifMatch, actorOf(ctx));
    return { status: 200, body: { access_profile: profile }, headers: { ETag: etagOf(profile.version) } };
  },
  async listAccessProfileAuditLogsById({ app, path, query }) {
    const page = pageParams(query);
    const { items, total } = await history.listAudit(
      app.db,
      { accessProfileId: path.id, action: query.action, userId: query.user_id },
      page.limit,
      page.offset,
    );
    return { status: 200, body: listPage('audit_logs', items, total, page) };
  },
  async listAccessProfileAuditLogs({ app, query }) {
    const page = pageParams(query);
    const { items, total } = await history.listAudit(
      app.db,
      { accessProfileId: query.access_profile_id, action: query.action, userId: query.user_id },
      page.limit,
      page.offset,
    );
    return { status: 200, body: listPage('audit_logs', items, total, page) };
  },
};
