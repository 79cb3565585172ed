// Handlers of versions, restore and audit logs.
import * as history from '../../domain/history.js';
import { etagOf, restoreVersion } from '../../domain/templates.js';
import type { HandlerGroup } from '../operations.js';

export const historyHandlers: HandlerGroup<'listAccessProfileVersions' | 'getAccessProfileVersion' | 'restoreAccessProfileVersion' | 'listAccessProfileAuditLogs' | 'listAuditLogs'> = {
  async listAccessProfileVersions({ app, path, query }) {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { items, total } = await history.listVersions(app.db, path.id, limit, offset);
    return { status: 200, body: { versions: items, count: items.length, total_count: total, limit, offset } };
  },
  async getAccessProfileVersion({ app, path }) {
    return { status: 200, body: { version: await history.getVersion(app.db, path.id, path.version) } };
  },
  async restoreAccessProfileVersion(ctx) {
    const profile = await restoreVersion(ctx.app.db, ctx.path.id, ctx.path.version, ctx.ifMatch, { actor: ctx.principal.actor, requestId: ctx.requestId });
    return { status: 200, body: { access_profile: profile }, headers: { ETag: etagOf(profile.version) } };
  },
  async listAccessProfileAuditLogs({ app, path, query }) {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { items, total } = await history.listAudit(app.db, { accessProfileId: path.id, action: query.action, userId: query.user_id }, limit, offset);
    return { status: 200, body: { audit_logs: items, count: items.length, total_count: total, limit, offset } };
  },
  async listAuditLogs({ app, query }) {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const { items, total } = await history.listAudit(app.db, { accessProfileId: query.access_profile_id, action: query.action, userId: query.user_id }, limit, offset);
    return { status: 200, body: { audit_logs: items, count: items.length, total_count: total, limit, offset } };
  },
};
