import net from "node:net";
import { expect, test } from "./stack";

// The web server keeps an idle keep-alive connection open past Node's 5-second default (scripts/lib/app.ts
// WEB_KEEP_ALIVE_MS). With the default, a client that reused its pooled connection after a few seconds could send
// its request just as the server closed it, and saw ECONNRESET (it happened to an e2e test's API request).
test("an idle keep-alive connection is still open after 6 seconds and serves the next request", async ({ baseURL }) => {
  test.setTimeout(30_000);
  const url = new URL(baseURL!);
  const socket = net.connect(Number(url.port), url.hostname);
  let received = "";
  let closed = false;
  socket.on("data", (d) => (received += d.toString("latin1")));
  socket.on("close", () => (closed = true));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const get = () => socket.write(`GET /api/health HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
  const responses = () => received.split("HTTP/1.1 200").length - 1;
  get();
  await expect.poll(responses).toBe(1);
  expect(received).toMatch(/keep-alive/i);
  await new Promise((r) => setTimeout(r, 6_000));
  expect(closed).toBe(false);
  get();
  await expect.poll(responses).toBe(2);
  socket.destroy();
});
