// The one way a list answers: the page's items under their name, with count, total_count, limit, offset.
export interface PageParams {
  limit: number;
  offset: number;
}

/** `limit` and `offset` as the spec defaults them (the validator has already bounded them). */
export function pageParams(query: { limit?: number; offset?: number }): PageParams {
  return { limit: query.limit ?? 50, offset: query.offset ?? 0 };
}

export function listPage<K extends string, T>(key: K, items: T[], total: number, page: PageParams) {
  return { [key]: items, count: items.length, total_count: total, limit: page.limit, offset: page.offset } as {
    [P in K]: T[];
  } & { count: number; total_count: number } & PageParams;
}
