// An array in a JSON body. It was cut to its last element without a word ({"list_id": [1, 2]} read as
// "2": GetCallLists answered list 2 alone as if it were all that was asked for). Now an array of texts and
// numbers is the list it is for a parameter that takes one (an id list: [1, 2] as "1;2"); an empty one, one
// holding anything else, or one given to a parameter that takes one value is 101 naming the parameter.
import assert from "node:assert/strict";
import { test } from "node:test";
import { listFields, type VoxFixture, voxFixture } from "./helpers.ts";

async function json(f: VoxFixture, body: Record<string, unknown>) {
  const res = await f.call({
    method: "POST",
    url: "/platform_api",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
  return res.json();
}

test("a JSON array is an id list's ids, and refused (101) where it is no list of texts and numbers", async () => {
  const f = await voxFixture();
  try {
    const later = "phone;__start_at\n+12125550181;1893456000\n";
    const a = await f.vox("CreateCallList", listFields({ name: "one", file_content: later }));
    const b = await f.vox("CreateCallList", listFields({ name: "two", file_content: later }));
    const c = await f.vox("CreateCallList", listFields({ name: "three", file_content: later }));
    const ids = async (body: Record<string, unknown>) => {
      const out = await json(f, { cmd: "GetCallLists", ...body });
      assert.ok(out.result, JSON.stringify(out));
      return out.result.map((l: { list_id: number }) => l.list_id);
    };
    assert.deepEqual(await ids({ list_id: [a.list_id, b.list_id] }), [a.list_id, b.list_id]);
    assert.deepEqual(await ids({ list_id: [String(b.list_id)] }), [b.list_id]);
    assert.deepEqual(await ids({ rule_id: [7], application_id: ["all"] }), [a.list_id, b.list_id, c.list_id]);

    const manual = await f.vox("CreateManualCallList", listFields({ name: "manual" }));
    const next = await json(f, { cmd: "StartNextCallTask", list_id: [manual.list_id] });
    assert.deepEqual(next, { result: 1, list_id: manual.list_id });
    // Read whole: list one, first, is refused as automatic (cut to its last element, the manual list ran).
    const both = await json(f, { cmd: "StartNextCallTask", list_id: [a.list_id, manual.list_id] });
    assert.match(both.error?.msg, new RegExp(`Call list ${a.list_id} is not a manual call list`));

    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ cmd: "GetCallLists", list_id: [] }, /'list_id' parameter is an empty list/],
      [
        { cmd: "GetCallLists", list_id: [[a.list_id]] },
        /'list_id' parameter must be a text or a number, or a list of them/,
      ],
      [
        { cmd: "GetCallLists", list_id: [{ id: a.list_id }] },
        /'list_id' parameter must be a text or a number, or a list of them/,
      ],
      [{ cmd: "GetCallLists", list_id: [a.list_id, "x"] }, /'list_id' parameter must be ids/],
      [{ cmd: "GetCallLists", name: ["one", "two"] }, /'name' parameter takes one value, not a list/],
      [
        { cmd: "GetCallListDetails", list_id: [a.list_id, b.list_id] },
        /'list_id' parameter takes one value, not a list/,
      ],
      [{ cmd: ["GetCallLists"] }, /'cmd' parameter takes one value, not a list/],
      [
        { cmd: "CreateCallList", ...listFields(), file_content: ["phone", "+12125550101"] },
        /'file_content' parameter takes one value, not a list/,
      ],
    ];
    for (const [body, msg] of refusals) {
      const out = await json(f, body);
      assert.equal(out.error?.code, 101, `${JSON.stringify(body)}: ${JSON.stringify(out)}`);
      assert.match(out.error.msg, msg);
    }
  } finally {
    await f.close();
  }
});
