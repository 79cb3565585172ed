// Handlers of management API keys and the health check.
import * as keys from '../../domain/api-keys.js';
import type { HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

export const apiKeyHandlers: HandlerGroup<'listApiKeys' | 'createApiKey' | 'getApiKey' | 'updateApiKey' | 'deleteApiKey' | 'getHealth'> = {
  async listApiKeys({ app, query }) {
    const page = pageParams(query);
    const { items, total } = await keys.listApiKeys(app.db, page.limit, page.offset);
    return { status: 200, body: listPage('api_keys', items, total, page) };
  },
  async createApiKey({ app, principal, body }) {
    return { status: 201, body: { api_key: await keys.createApiKey(app.db, principal, body) } };
  },
  async getApiKey({ app, path }) {
    return { status: 200, body: { api_key: await keys.getApiKey(app.db, path.id) } };
  },
  async updateApiKey({ app, principal, path, body }) {
    return { status: 200, body: { api_key: await keys.updateApiKey(app.db, principal, path.id, body) } };
  },
  async deleteApiKey({ app, principal, path }) {
    const name = await keys.deleteApiKey(app.db, principal, path.id);
    return { status: 200, body: { message: `API key '${name}' deleted.` } };
  },
  async getHealth({ app }) {
    const base = { version: app.version, uptime_seconds: Math.round((Date.now() - app.startedAt) / 100) / 10 };
    try {
      const latency = await app.db.ping();
      return { status: 200, body: { status: 'ok', store: { kind: app.db.kind, reachable: true, latency_ms: Math.round(latency * 100) / 100 }, ...base } };
    } catch {
      return { status: 503, body: { status: 'unavailable', store: { kind: app.db.kind, reachable: false, latency_ms: null }, ...base } };
    }
  },
};
