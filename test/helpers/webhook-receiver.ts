// A webhook receiver: a real HTTP server on 127.0.0.1 that checks each request's signature, answers
// with the status a test chooses, and records what it saw in arrival order.
import { createHmac } from "node:crypto";
import http from "node:http";
import type net from "node:net";

export interface Received {
  eventId: string;
  attempt: number;
  status: number;
  at: number;
  signatureOk: boolean;
  payloadId: string;
  body: string;
}

/** A receiver that answers each request with `answer(eventId, attempt)` and records what it saw. */
export async function receiver(
  secret: string | (() => string),
  answer: (eventId: string, attempt: number) => number,
  port = 0,
): Promise<{ url: string; port: number; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const eventId = String(req.headers["x-outdial-event-id"]);
      const attempt = Number(req.headers["x-outdial-delivery-attempt"]);
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(req.headers["x-outdial-signature"]));
      const expected =
        m &&
        createHmac("sha256", typeof secret === "string" ? secret : secret())
          .update(`${m[1]}.${body}`)
          .digest("hex");
      const status = answer(eventId, attempt);
      got.push({
        eventId,
        attempt,
        status,
        at: Date.now(),
        signatureOk: m !== null && expected === m[2],
        payloadId: (JSON.parse(body) as { id: string }).id,
        body,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/hooks`,
    port: actual,
    got,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
