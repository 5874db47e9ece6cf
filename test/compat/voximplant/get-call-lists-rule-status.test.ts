// GetCallLists' `rule_id` (ids separated by ';', or 'all') and `status` filters, which the official 4.x
// client sends besides the seed's. Both were ignored, so a client looking up "the lists of rule 7" (to stop
// them, say) was answered, and acted on, every list of the account. Now they filter; `status` takes the
// statuses GetCallLists answers (New, In progress, Paused, Canceled, Completed; any case), and any other
// value is 101 naming it. The client's `rule_name` and `application_name` filters, which outdial cannot
// apply (it keeps ids, not names), are refused with 101 instead of ignored.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listFields, voxFixture } from "./helpers.ts";

test("GetCallLists filters on rule_id and status, and refuses a status it never answers", async () => {
  const f = await voxFixture();
  try {
    // Starting in 2030, so the lists stay In progress.
    const later = "phone;__start_at\n+12125550181;1893456000\n";
    for (const [rule, name] of [
      [7, "seven"],
      [8, "eight"],
      [9, "nine"],
    ] as const) {
      assert.equal(
        (await f.vox("CreateCallList", listFields({ rule_id: rule, name, file_content: later }))).result,
        true,
      );
    }
    const [eight] = (await f.vox("GetCallLists", { name: "eight" })).result;
    await f.vox("StopCallListProcessing", { list_id: eight.list_id });
    const names = async (fields: Record<string, string | number>) => {
      const out = await f.vox("GetCallLists", fields);
      assert.ok(out.result, JSON.stringify(out));
      return out.result.map((l: { list_name: string }) => l.list_name);
    };
    assert.deepEqual(await names({ rule_id: 7 }), ["seven"]);
    assert.deepEqual(await names({ rule_id: "7;9" }), ["seven", "nine"]);
    assert.deepEqual(await names({ rule_id: "all" }), ["seven", "eight", "nine"]);
    assert.deepEqual(await names({ rule_id: 70 }), []);
    assert.deepEqual(await names({ status: "Canceled" }), ["eight"]);
    assert.deepEqual(await names({ status: "in progress" }), ["seven", "nine"]);
    assert.deepEqual(await names({ status: "Completed" }), []);
    assert.deepEqual(await names({ status: "In progress", rule_id: "8;9" }), ["nine"]);

    for (const [fields, msg] of [
      [
        { status: "Suspended" },
        /'status' parameter must be one of New, In progress, Paused, Canceled, Completed/,
      ],
      [{ rule_id: "seven" }, /'rule_id' parameter must be ids/],
      // Names are not kept: refused rather than ignored (every list answered as the rule's).
      [{ rule_name: "seven" }, /'rule_name' parameter is not supported: .* filter by 'rule_id'/],
      [
        { application_name: "app" },
        /'application_name' parameter is not supported: .* filter by 'application_id'/,
      ],
    ] as const) {
      const out = await f.vox("GetCallLists", fields);
      assert.equal(out.error?.code, 101, JSON.stringify(out));
      assert.match(out.error.msg, msg);
    }
  } finally {
    await f.close();
  }
});
