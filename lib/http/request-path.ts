/** The path part of a request URL, without the query string. */
export function pathname(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

/**
 * Whether a request path is the webhook route. One trailing slash is allowed, as Express's own
 * routing allows it, so both faces answer the same paths.
 */
export function routeMatcher(path: string): (requested: string) => boolean {
  const withSlash = `${path}/`;
  return (requested) => requested === path || requested === withSlash;
}
