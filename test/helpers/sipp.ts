// SIPp (Debian's sip-tester) as the far end of the sip driver's tests: one UAS process per scenario file of
// test/telephony/sipp/, on 127.0.0.1 and a free UDP port. Under CI (CI=true, or OUTDIAL_REQUIRE_SIPP=1) a
// missing sipp fails the suite instead of skipping it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const SIPP = process.env.OUTDIAL_SIPP ?? "sipp";
const required = process.env.OUTDIAL_REQUIRE_SIPP === "1" || process.env.CI === "true";
export const sippMissing = spawnSync(SIPP, ["-v"], { stdio: "ignore" }).error !== undefined;
if (sippMissing && required) {
  throw new Error(`SIPp is required here (CI or OUTDIAL_REQUIRE_SIPP=1) but "${SIPP}" cannot be run`);
}
/** For describe(): the reason to skip when sipp is not installed (outside CI only). */
export const skipWithoutSipp = sippMissing ? `no ${SIPP} (apt-get install sip-tester)` : false;

const SCENARIOS = path.resolve(import.meta.dirname, "../telephony/sipp");

export interface SippRun {
  /** Where the UAS listens: give it to the driver as its trunk. */
  port: number;
  child: ChildProcess;
  /** sipp's exit: code 0 when every call went through the scenario as written. */
  exited: Promise<{ code: number | null; output: string }>;
  stop(): Promise<void>;
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Starts `sipp -sf <scenario>` as a UAS that takes `calls` calls and exits; resolves once it listens. */
export async function startSipp(scenario: string, calls = 1, timeoutSec = 30): Promise<SippRun> {
  // Its ports are free when picked, not held: another socket may take one before sipp binds it. Such a
  // start is tried again on other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnSipp(scenario, calls, timeoutSec);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes("Address already in use")) throw err;
    }
  }
}

async function spawnSipp(scenario: string, calls: number, timeoutSec: number): Promise<SippRun> {
  const port = await freeUdpPort();
  // sipp binds its media ports from -mp up (audio, video, their RTCP): none may be the SIP port.
  let mediaPort = await freeUdpPort();
  while (Math.abs(mediaPort - port) < 4) mediaPort = await freeUdpPort();
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "outdial-sipp-"));
  const child = spawn(
    SIPP,
    [
      "-sf",
      path.join(SCENARIOS, scenario),
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "-m",
      String(calls),
      "-nostdin",
      "-timeout",
      `${timeoutSec}s`,
      "-timeout_error",
      "-mp",
      String(mediaPort),
      // Why a call failed (an unexpected message, a check that did not hold) goes to a file: read at exit.
      "-trace_err",
    ],
    { cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("exit", (code) => {
      for (const f of fs.readdirSync(cwd).filter((name) => name.endsWith("_errors.log"))) {
        output += `\n${fs.readFileSync(path.join(cwd, f), "utf8").slice(-3000)}`;
      }
      fs.rmSync(cwd, { recursive: true, force: true });
      resolve({ code, output });
    }),
  );
  await waitListening(port, exited);
  return {
    port,
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Waits until sipp holds its port (binding it fails from then on). */
async function waitListening(port: number, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (let i = 0; i < 200 && !gone; i++) {
    const s = dgram.createSocket("udp4");
    const taken = await new Promise<boolean>((resolve) => {
      s.once("error", () => resolve(true));
      s.bind(port, "127.0.0.1", () => resolve(false));
    });
    await new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    });
    if (taken) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  const { output } = (await Promise.race([exited, Promise.resolve({ output: "(still running)" })])) as {
    output: string;
  };
  throw new Error(`sipp did not start listening on 127.0.0.1:${port}: ${output.slice(-2000)}`);
}
