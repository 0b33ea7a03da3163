/** A loopback server on the host that counts connections: what a network attack must not reach. Private to tests/. */
export function listen(): { port: number; hits: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let hits = 0;
  (async () => {
    for await (const conn of listener) {
      hits++;
      conn.close();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    hits: () => hits,
    close: () => listener.close(),
  };
}
