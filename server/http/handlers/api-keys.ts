// Handlers of management API keys.
import * as keys from '../../domain/api-keys.js';
import type { HandlerGroup } from '../operations.js';
import { listPage, pageParams } from '../paging.js';

export const apiKeyHandlers: HandlerGroup<
  'listApiKeys' | 'createApiKey' | 'getApiKey' | 'updateApiKey' | 'deleteApiKey'
> = {
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
};
