// Requests Node's HTTP parser refuses before any route sees them (request line and headers over 16 KiB, a
// malformed header line), over a real socket: on the Voximplant face they are answered as its every error
// is, HTTP 200 with {"error": {"code", "msg"}}, as its clients drop other answers; elsewhere in the native
// shape with the HTTP status. Through inject, which skips Node's parser, none of this shows.
import assert from "node:assert/strict";
import { maxHeaderSize } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { after, before, test } from "node:test";
import { VOX } from "../../../src/api/compat/voximplant/errors.ts";
import { type VoxFixture, voxFixture } from "./helpers.ts";

let f: VoxFixture;
let port: number;

before(async () => {
  f = await voxFixture();
  await f.app.listen({ host: "127.0.0.1", port: 0 });
  port = (f.app.server.address() as AddressInfo).port;
});

after(async () => {
  await f.close();
});

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: the error body is read field by field
  body: any;
}

/** Sends `request` as one write and reads the answer until the server closes the connection. */
function exchange(request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let out = "";
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      out += chunk;
    });
    // The server may close while the client still writes: what it answered before is what counts.
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      const end = out.indexOf("\r\n\r\n");
      if (end < 0) return reject(new Error(`no answer: ${JSON.stringify(out)}`));
      const [statusLine, ...lines] = out.slice(0, end).split("\r\n");
      const headers = new Map(
        lines.map((line) => {
          const at = line.indexOf(":");
          return [line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim()] as const;
        }),
      );
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: JSON.parse(out.slice(end + 4)) });
    });
  });
}

const overLimit = "x".repeat(20_000);

function assertVoxError(answer: RawAnswer): void {
  const shown = JSON.stringify(answer.body);
  assert.equal(answer.status, 200, shown);
  assert.match(answer.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal(answer.headers.get("connection"), "close");
  assert.deepEqual(Object.keys(answer.body), ["error"], shown);
  assert.deepEqual(Object.keys(answer.body.error).sort(), ["code", "msg"], shown);
  assert.equal(answer.body.error.code, VOX.INVALID_ARGUMENTS, shown);
}

test("a Voximplant GET over 16 KiB is HTTP 200 with error 101 naming the limit and a POST body", async () => {
  const answer = await exchange(
    `GET /platform_api/GetCallLists/?account_id=${f.accountId}&api_key=k&name=${overLimit} HTTP/1.1\r\n` +
      "Host: a\r\n\r\n",
  );
  assertVoxError(answer);
  assert.match(answer.body.error.msg, new RegExp(`over ${maxHeaderSize} bytes`));
  assert.match(answer.body.error.msg, /POST/);
});

test("a Voximplant POST /platform_api whose headers are over 16 KiB is HTTP 200 with error 101", async () => {
  const answer = await exchange(`POST /platform_api HTTP/1.1\r\nHost: a\r\nX-Pad: ${overLimit}\r\n\r\n`);
  assertVoxError(answer);
  assert.match(answer.body.error.msg, new RegExp(`over ${maxHeaderSize} bytes`));
});

test("a Voximplant request with a malformed header line is HTTP 200 with error 101", async () => {
  const answer = await exchange(
    "GET /platform_api/GetCallLists/ HTTP/1.1\r\nHost: a\r\nBad Header Line\r\n\r\n",
  );
  assertVoxError(answer);
  assert.match(answer.body.error.msg, /not valid HTTP/);
});

test("a native request over 16 KiB keeps the 431 in the native shape", async () => {
  const answer = await exchange(`GET /v1/campaigns?name=${overLimit} HTTP/1.1\r\nHost: a\r\n\r\n`);
  assert.equal(answer.status, 431);
  assert.equal(answer.body.error.code, "headers_too_large");
  assert.match(answer.body.error.message, new RegExp(`over ${maxHeaderSize} bytes`));
});

test("a path that only starts like the face's keeps the native 400", async () => {
  const answer = await exchange("GET /platform_apix HTTP/1.1\r\nHost: a\r\nBad Header Line\r\n\r\n");
  assert.equal(answer.status, 400);
  assert.equal(answer.body.error.code, "invalid_request");
});
