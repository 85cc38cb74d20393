/** The path part of a request URL, without the query string. */
export function pathname(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

/** Whether a request path is the webhook route: one trailing slash allowed, as Express's routing allows it. */
export function routeMatcher(path: string): (requested: string) => boolean {
  const withSlash = `${path}/`;
  return (requested) => requested === path || requested === withSlash;
}
