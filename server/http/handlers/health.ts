// The probes: liveness (the process answers), readiness (store reachable, not draining) and the health report.
import type { AppContext, HandlerGroup } from '../operations.js';

async function storeStatus(app: AppContext) {
  try {
    const latency = await app.db.ping();
    return { kind: app.db.kind, reachable: true, latency_ms: Math.round(latency * 100) / 100 };
  } catch {
    return { kind: app.db.kind, reachable: false, latency_ms: null };
  }
}

const uptime = (app: AppContext) => Math.round((Date.now() - app.startedAt) / 100) / 10;

export const healthHandlers: HandlerGroup<'getHealth' | 'getLiveness' | 'getReadiness'> = {
  async getHealth({ app }) {
    const store = await storeStatus(app);
    const body = {
      status: store.reachable ? ('ok' as const) : ('unavailable' as const),
      store,
      version: app.version,
      uptime_seconds: uptime(app),
    };
    return store.reachable ? { status: 200, body } : { status: 503, body };
  },
  async getLiveness({ app }) {
    return { status: 200, body: { status: 'ok', uptime_seconds: uptime(app) } };
  },
  async getReadiness({ app }) {
    const store = await storeStatus(app);
    if (app.lifecycle.draining)
      return { status: 503, body: { status: 'draining', store }, headers: { 'Retry-After': '1' } };
    if (!store.reachable)
      return { status: 503, body: { status: 'unavailable', store }, headers: { 'Retry-After': '1' } };
    return { status: 200, body: { status: 'ready', store } };
  },
};
