/** What the benches need to talk to a running API process. */
export function withDatabase(uri: string, db: string): string {
  const url = new URL(uri);
  url.pathname = `/${db}`;
  return url.toString();
}

/** fetch with the bench's admin key that throws on any answer but 2xx and the statuses in `alsoAccept`. */
export function apiClient(base: string, key: string) {
  return async (route: string, init: RequestInit = {}, alsoAccept: number[] = []): Promise<Response> => {
    const response = await fetch(base + route, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` } });
    if (!response.ok && !alsoAccept.includes(response.status)) throw new Error(`${init.method ?? 'GET'} ${route} answered ${response.status}: ${await response.text()}`);
    return response;
  };
}

export async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('API did not become ready');
}
