// A sip node killed mid-call, and the calls it left up. The driver kept each answered call's dialog only in
// its memory: after SIGKILL and a restart on the same database and SIP address nothing ever sent the BYE,
// and the trunk kept the callee's line and a channel up until the far end gave up. Now each dialog whose
// 2xx the driver ACKs is kept in a journal (the store's sip_dialogs) until it ends, and a driver started at
// the same address hangs up what an earlier run left: the BYE that run would have sent, a later CSeq. A
// 2xx for a call the driver does not have (one resent after the restart) is ACKed and hung up, not dropped.
// Shown against a real child process killed with SIGKILL, then in process with a journal in memory, and
// the store's queries on each dialect.
import assert from "node:assert/strict";
import dgram from "node:dgram";
import fs from "node:fs";
import { afterEach, describe, it, test } from "node:test";
import SQLite from "better-sqlite3";
import { forgetSipDialog, saveSipDialog, sipDialogsLeft } from "../../src/store/sip-dialogs.ts";
import type { DialogJournal, JournaledDialog } from "../../src/telephony/sip/journal.ts";
import type { SipDriver } from "../../src/telephony/sip/sip-driver.ts";
import { apiClient, childSetup, exited, startOutdial, waitFor } from "../helpers/child.ts";
import { dialects } from "../helpers/stores.ts";
import { driverFor, FAR_SDP, FarEnd, headerOf, sleep, until } from "./sip-harness.ts";

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => s.bind(0, "127.0.0.1", () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A journal in memory: the rows as the store would hold them, by Call-ID and remote tag. */
function memoryJournal(rows = new Map<string, { local: string; dialog: JournaledDialog }>()) {
  const journal: DialogJournal = {
    left: async (local) => [...rows.values()].filter((r) => r.local === local).map((r) => r.dialog),
    save: async (local, dialog) => {
      rows.set(`${dialog.sipCallId} ${dialog.remoteTag}`, { local, dialog });
    },
    forget: async (_local, sipCallId, remoteTag) => {
      rows.delete(`${sipCallId} ${remoteTag}`);
    },
  };
  return { journal, rows };
}

/** The lines of a request's headers named `name`, in order. */
const lines = (text: string, name: string) =>
  text.split("\r\n").filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
const requestUri = (text: string) => text.split("\r\n")[0].split(" ")[1];
const tagOf = (value: string | undefined) => /;tag=([^;>\s]+)/.exec(value ?? "")?.[1];

test("SIGKILL of a sip node with an answered call up: started again, it sends the call's BYE", {
  timeout: 120_000,
}, async () => {
  const far = await FarEnd.open();
  const sipPort = await freeUdpPort();
  const { dir, env, base } = await childSetup("sip-restart-bye-", {
    OUTDIAL_DRIVER: "sip",
    OUTDIAL_SIP_TRUNK: `127.0.0.1:${far.port}`,
    OUTDIAL_SIP_BIND: `127.0.0.1:${sipPort}`,
    OUTDIAL_NODE_ID: "the-same-node",
  });
  const kept = () => {
    const db = new SQLite(env.OUTDIAL_DATABASE_URL, { readonly: true });
    const rows = db.prepare("SELECT sip_call_id, remote_tag FROM sip_dialogs").all();
    db.close();
    return rows as { sip_call_id: string; remote_tag: string }[];
  };
  const running: ReturnType<typeof startOutdial>[] = [];
  try {
    const first = startOutdial(env);
    running.push(first);
    await first.ready;
    const key = /OUTDIAL_API_KEY=(\S+)/.exec(first.output())?.[1];
    assert.ok(key);
    const api = apiClient(base, key);
    const campaign = await api("POST", "/v1/campaigns", {
      name: "robot over sip",
      settings: {
        maxAttemptsPerContact: 1,
        successMinTalkSec: 0,
        calleeWindow: { from: "00:00", to: "24:00" },
      },
    });
    const list = await api("POST", `/v1/campaigns/${campaign.id}/lists`, { name: "people" });
    await api("POST", `/v1/campaigns/${campaign.id}/lists/${list.id}/contacts`, {
      contacts: [{ phone: "+12025550141" }],
    });
    await api("POST", `/v1/campaigns/${campaign.id}/start`);
    const invite = await far.answer("callee1"); // 180, 200 OK with SDP, and the driver's ACK
    const sipCallId = headerOf(invite.text, "Call-ID");
    await waitFor("the dialog kept", () => kept().length === 1, 10_000);
    first.child.kill("SIGKILL");
    await exited(first.child);
    assert.equal(far.all("BYE ").length, 0, "nothing ended the call before the kill");

    const second = startOutdial(env);
    running.push(second);
    await second.ready;
    const bye = await far.next("BYE ", 10_000);
    assert.equal(headerOf(bye.text, "Call-ID"), sipCallId);
    assert.equal(tagOf(headerOf(bye.text, "From")), tagOf(headerOf(invite.text, "From")));
    assert.equal(tagOf(headerOf(bye.text, "To")), "callee1");
    assert.equal(requestUri(bye.text), `sip:far@127.0.0.1:${far.port}`, "to the callee's Contact");
    far.reply(bye, 200, "OK");
    await waitFor("the dialog forgotten once its BYE was answered", () => kept().length === 0, 10_000);
  } finally {
    for (const p of running) p.child.kill("SIGKILL");
    await Promise.all(running.map((p) => exited(p.child)));
    await far.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("sip driver with a dialog journal", () => {
  let far: FarEnd;
  const drivers: SipDriver[] = [];
  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.close();
    await far.close();
  });
  const start = async (extra: Parameters<typeof driverFor>[1]) => {
    const made = await driverFor(far.port, { closeWaitMs: 500, ...extra });
    drivers.push(made.driver);
    return made;
  };
  /** The restart's BYE: CSeq 5, past any the dead run may have sent one with (2, then one up for each of
   *  three challenges); the dead run's own, resent until it closed, are passed over. */
  const restartBye = async () => {
    let bye = await far.next("BYE ");
    while (headerOf(bye.text, "CSeq") !== "5 BYE") bye = await far.next("BYE ");
    return bye;
  };
  /** Answers the driver's INVITE with a Record-Route of two hops, and takes the ACK. */
  const answerRouted = async (toTag = "far1") => {
    const invite = await far.next("INVITE ");
    const headers = [
      `Contact: <sip:far@127.0.0.1:${far.port}>`,
      "Record-Route: <sip:p1.test;lr>, <sip:p2.test;lr>",
      "Content-Type: application/sdp",
    ];
    far.reply(invite, 200, "OK", { toTag, headers, body: FAR_SDP });
    await far.next("ACK ");
    return invite;
  };

  it("keeps an answered call's dialog from its ACK until its BYE is answered", async () => {
    far = await FarEnd.open();
    const { journal, rows } = memoryJournal();
    const { driver, call } = await start({ journal });
    const h = call("k1");
    const invite = await answerRouted();
    await until("the dialog kept", () => rows.size === 1);
    const [{ local, dialog }] = [...rows.values()];
    assert.equal(local, `127.0.0.1:${driver.address?.port}`);
    assert.equal(dialog.sipCallId, headerOf(invite.text, "Call-ID"));
    assert.equal(dialog.localTag, tagOf(headerOf(invite.text, "From")));
    assert.equal(dialog.remoteTag, "far1");
    assert.equal(dialog.remoteTarget, `sip:far@127.0.0.1:${far.port}`);
    assert.deepEqual(dialog.routes, ["<sip:p2.test;lr>", "<sip:p1.test;lr>"]);
    assert.equal(dialog.nextCseq, 2);
    assert.deepEqual(dialog.peer, { host: "127.0.0.1", port: far.port });
    driver.hangup("k1");
    const bye = await far.next("BYE ");
    assert.equal(rows.size, 1, "kept while the BYE is out");
    far.reply(bye, 200, "OK");
    await h.ended;
    await until("the dialog forgotten", () => rows.size === 0);
  });

  it("forgets the dialog when the callee hangs up", async () => {
    far = await FarEnd.open();
    const { journal, rows } = memoryJournal();
    const { call } = await start({ journal });
    const h = call("k2");
    const invite = await far.answer();
    await until("the dialog kept", () => rows.size === 1);
    far.send(far.inDialog(invite, "BYE", 2), invite.from);
    await h.ended;
    await until("the dialog forgotten", () => rows.size === 0);
  });

  it("a driver started at the address of one killed mid-call sends the BYE the dead one would have", async () => {
    far = await FarEnd.open();
    const port = await freeUdpPort();
    const { journal, rows } = memoryJournal();
    const dead = await start({ journal, bindPort: port });
    const h = dead.call("k3");
    await answerRouted("far3");
    await until("the dialog kept", () => rows.size === 1);
    // What the killed run would have left: its rows, as they stood before anything ended the call.
    const left = new Map(rows);
    dead.driver.hangup("k3");
    const byeOfTheLiving = await far.next("BYE ");
    far.reply(byeOfTheLiving, 200, "OK");
    await h.ended;
    await dead.driver.close();

    const restarted = memoryJournal(left);
    const { warnings } = await start({ journal: restarted.journal, bindPort: port });
    const bye = await restartBye();
    assert.equal(requestUri(bye.text), requestUri(byeOfTheLiving.text));
    for (const name of ["Call-ID", "From", "To", "Route"]) {
      assert.deepEqual(lines(bye.text, name), lines(byeOfTheLiving.text, name), name);
    }
    assert.equal(restarted.rows.size, 1, "kept until the BYE is answered");
    far.reply(bye, 200, "OK");
    await until("the dialog forgotten", () => restarted.rows.size === 0);
    assert.deepEqual(warnings, []);
  });

  it("a BYE of the restart never answered is given up at 64·T1, said, and its dialog forgotten", async () => {
    far = await FarEnd.open();
    const port = await freeUdpPort();
    const { journal, rows } = memoryJournal();
    const dead = await start({ journal, bindPort: port });
    dead.call("k4");
    await far.answer();
    await until("the dialog kept", () => rows.size === 1);
    const left = new Map(rows);
    await dead.driver.close();
    far.reply(await far.next("BYE "), 200, "OK");

    const restarted = memoryJournal(left);
    const { warnings } = await start({ journal: restarted.journal, bindPort: port, t1Ms: 10 });
    await restartBye();
    await until("the dialog forgotten", () => restarted.rows.size === 0);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /a call left up by an earlier run .* BYE was never answered/);
  });

  it("close() whose BYE is not answered keeps the dialog, and the next start hangs it up", async () => {
    far = await FarEnd.open();
    const port = await freeUdpPort();
    const { journal, rows } = memoryJournal();
    const first = await start({ journal, bindPort: port, closeWaitMs: 200 });
    first.call("k5");
    const invite = await far.answer();
    await until("the dialog kept", () => rows.size === 1);
    await first.driver.close(); // its BYE goes out and is never answered
    assert.equal(rows.size, 1, "the BYE close() gave up on may not have reached the callee");
    assert.equal(first.warnings.length, 1, first.warnings.join("\n"));

    await start({ journal, bindPort: port });
    const bye = await restartBye();
    assert.equal(headerOf(bye.text, "Call-ID"), headerOf(invite.text, "Call-ID"));
    far.reply(bye, 200, "OK");
    await until("the dialog forgotten", () => rows.size === 0);
  });

  it("the callee's BYE crossing the restart's: ours answered 481 is no cause for a warning", async () => {
    far = await FarEnd.open();
    const port = await freeUdpPort();
    const { journal, rows } = memoryJournal();
    const dead = await start({ journal, bindPort: port });
    dead.call("k6");
    const invite = await far.answer();
    await until("the dialog kept", () => rows.size === 1);
    const left = new Map(rows);
    await dead.driver.close();
    far.reply(await far.next("BYE "), 200, "OK");

    const restarted = memoryJournal(left);
    const { warnings } = await start({ journal: restarted.journal, bindPort: port });
    const bye = await restartBye();
    far.send(far.inDialog(invite, "BYE", 3), bye.from);
    await until("our 200 to the callee's BYE", () =>
      far.all("SIP/2.0 200").some((d) => headerOf(d.text, "CSeq") === "3 BYE"),
    );
    far.reply(bye, 481, "Call/Transaction Does Not Exist");
    await until("the dialog forgotten", () => restarted.rows.size === 0);
    await sleep(50);
    assert.deepEqual(warnings, []);
  });

  // The commonest leftover of a killed run: its callee hung up while the node was down (that BYE went
  // unanswered), and the far end answers the restart's BYE that the dialog is gone. That is no callee left
  // on the line; any other refusal still may be.
  for (const [status, reason, warned] of [
    [481, "Call/Transaction Does Not Exist", false],
    [404, "Not Found", false],
    [403, "Forbidden", true],
  ] as const) {
    it(`the restart's BYE answered ${status}: the dialog forgotten, ${warned ? "said" : "no warning"}`, async () => {
      far = await FarEnd.open();
      const port = await freeUdpPort();
      const { journal, rows } = memoryJournal();
      const dead = await start({ journal, bindPort: port });
      dead.call(`g${status}`);
      await far.answer();
      await until("the dialog kept", () => rows.size === 1);
      const left = new Map(rows); // what a SIGKILL leaves
      await dead.driver.close();
      far.reply(await far.next("BYE "), 200, "OK");

      const restarted = memoryJournal(left);
      const { warnings } = await start({ journal: restarted.journal, bindPort: port });
      far.reply(await restartBye(), status, reason);
      await until("the dialog forgotten", () => restarted.rows.size === 0);
      await sleep(50);
      if (!warned) assert.deepEqual(warnings, []);
      else {
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(
          warnings[0],
          new RegExp(`earlier run .* BYE was answered ${status}.*may still be on the line`),
        );
      }
    });
  }
});

describe("sip driver: a 2xx for a call it does not have", () => {
  let far: FarEnd;
  let driver: SipDriver | null = null;
  afterEach(async () => {
    await driver?.close();
    driver = null;
    await far.close();
  });

  /** A 200 to an INVITE of ours the driver has no call for (its run is gone). */
  const stray2xx = (to: { address: string; port: number }, sipCallId: string) =>
    far.send(
      [
        "SIP/2.0 200 OK",
        "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKgone;rport",
        'From: "Anonymous" <sip:anonymous@127.0.0.1>;tag=ours1',
        `To: <sip:+15550100@127.0.0.1:${far.port}>;tag=callee9`,
        `Call-ID: ${sipCallId}`,
        "CSeq: 7 INVITE",
        `Contact: <sip:far@127.0.0.1:${far.port}>`,
        "Record-Route: <sip:p1.test;lr>",
        "Content-Type: application/sdp",
        `Content-Length: ${FAR_SDP.length}`,
        "",
        FAR_SDP,
      ].join("\r\n"),
      to,
    );

  it("ACKs it and hangs its dialog up; a copy resent is ACKed again, not hung up twice", async () => {
    far = await FarEnd.open();
    const made = await driverFor(far.port);
    driver = made.driver;
    const us = { address: "127.0.0.1", port: driver.address?.port ?? 0 };
    stray2xx(us, "gone1@outdial");
    const ack = await far.next("ACK ");
    assert.equal(requestUri(ack.text), `sip:far@127.0.0.1:${far.port}`);
    assert.equal(headerOf(ack.text, "CSeq"), "7 ACK");
    assert.equal(tagOf(headerOf(ack.text, "From")), "ours1");
    assert.equal(tagOf(headerOf(ack.text, "To")), "callee9");
    assert.deepEqual(lines(ack.text, "Route"), ["Route: <sip:p1.test;lr>"]);
    const bye = await far.next("BYE ");
    assert.equal(headerOf(bye.text, "CSeq"), "8 BYE");
    assert.equal(headerOf(bye.text, "Call-ID"), "gone1@outdial");
    far.reply(bye, 200, "OK");
    stray2xx(us, "gone1@outdial");
    await far.next("ACK ");
    await sleep(300);
    const branches = new Set(far.all("BYE ").map((d) => /branch=([^;\r]+)/.exec(d.text)?.[1]));
    assert.equal(branches.size, 1, "one BYE");
    assert.deepEqual(made.warnings, []);
  });

  it("leaves a 2xx of a call that is not of this driver's making alone", async () => {
    far = await FarEnd.open();
    const made = await driverFor(far.port);
    driver = made.driver;
    stray2xx({ address: "127.0.0.1", port: driver.address?.port ?? 0 }, "someone-else@pbx");
    await sleep(300);
    assert.equal(far.all("ACK ").length + far.all("BYE ").length, 0);
  });
});

for (const dialect of dialects()) {
  test(`the store keeps sip dialogs by address, rewrites one saved again, forgets one ended [${dialect.name}]`, async () => {
    const store = await dialect.open();
    try {
      const dialog: JournaledDialog = {
        sipCallId: "a1@outdial",
        localTag: "l1",
        remoteTag: "r1",
        localUri: '"+15550199" <sip:+15550199@trunk.test>',
        remoteUri: "<sip:+15550100@trunk.test:5060>",
        remoteTarget: "sip:callee@10.0.0.9:5060",
        routes: ["<sip:p2.test;lr>", "<sip:p1.test;lr>"],
        nextCseq: 2,
        peer: { host: "trunk.test", port: 5060 },
        answeredAt: 1_000,
      };
      const N1 = { id: "n1", host: "n1-host" };
      await saveSipDialog(store.db, N1, "10.0.0.1:5060", dialog);
      await saveSipDialog(store.db, N1, "10.0.0.2:5060", { ...dialog, sipCallId: "b1@outdial" });
      assert.deepEqual(await sipDialogsLeft(store.db, "10.0.0.1:5060", { ...N1, now: () => 2_000 }), [
        dialog,
      ]);
      const moved = { ...dialog, remoteTarget: "sip:callee@10.0.0.10:5060" };
      await saveSipDialog(store.db, N1, "10.0.0.1:5060", moved);
      assert.deepEqual(await sipDialogsLeft(store.db, "10.0.0.1:5060", { ...N1, now: () => 2_000 }), [moved]);
      await forgetSipDialog(store.db, "10.0.0.1:5060", "a1@outdial", "r1");
      assert.deepEqual(await sipDialogsLeft(store.db, "10.0.0.1:5060", { ...N1, now: () => 2_000 }), []);
      assert.equal(
        (await sipDialogsLeft(store.db, "10.0.0.2:5060", { ...N1, now: () => 2_000 })).length,
        1,
        "another address's dialog stays",
      );
    } finally {
      await store.close();
    }
  });
}
