// {{field}} in a robot scenario's script takes the contact's data field of any name a contact can have:
// CSV headers such as "Имя" (a windows-1251 file's) or "first name" included, not only ASCII word
// characters. Spaces around the name are not part of it; a name without braces is any name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderSay } from "../../src/model/robot-scenario.ts";
import { upsertScenario } from "../../src/store/scenarios.ts";
import { harness } from "../helpers/engine-harness.ts";

test("renderSay fills in fields named in any script, with spaces and punctuation", () => {
  const data = {
    Имя: "Анна",
    "first name": "Ann",
    "Дата визита": "12.03",
    名前: "花子",
    "e-mail.work": "ann@example.com",
    "sum ($)": 12.5,
    "a:b/c#1": "x",
  };
  assert.equal(renderSay("Здравствуйте, {{Имя}}!", data), "Здравствуйте, Анна!");
  assert.equal(renderSay("Hello {{first name}}.", data), "Hello Ann.");
  assert.equal(renderSay("{{ Дата визита }} / {{  first name\t}}", data), "12.03 / Ann");
  assert.equal(renderSay("{{名前}}さん", data), "花子さん");
  assert.equal(renderSay("{{e-mail.work}} {{sum ($)}} {{a:b/c#1}}", data), "ann@example.com 12.5 x");
  // A name the contact lacks is said as nothing, as before; so is one of Object.prototype's.
  assert.equal(renderSay("[{{Фамилия}}][{{last name}}][{{constructor}}]", data), "[][][]");
});

test("renderSay leaves text that names no field as it is", () => {
  assert.equal(
    renderSay("{{}} {{ }} {name} {{a{b}} }}", { "": "empty", " ": "space" }),
    "{{}} {{ }} {name} {{a{b}} }}",
  );
  // Triple braces: the inner pair names the field, the outer brace stays.
  assert.equal(renderSay("{{{Имя}}}", { Имя: "Анна" }), "{Анна}");
  assert.equal(renderSay("{{a}}{{b}}", { a: "1", b: "2" }), "12");
});

test("the robot says the script with a Cyrillic and a spaced custom field filled in", async () => {
  const h = await harness({ scenario: "all_human", seed: 3 });
  try {
    await upsertScenario(
      h.store.db,
      h.accountId,
      {
        key: "greet",
        name: "greet",
        say: "Здравствуйте, {{Имя}}! Hello {{ first name }}.",
        results: [{ name: "ok", weight: 1 }],
        talkSec: 10,
      },
      h.clock.now(),
    );
    const id = await h.campaign({ bot: { scriptId: "greet", onTransfer: "end", transferTo: null } }, [
      { phones: ["+12025555000"], custom: { Имя: "Анна", "first name": "Ann" } },
    ]);
    await h.engine.start(h.accountId, id);
    await h.runToEnd();
    const [a] = await h.attempts(id);
    const said = (JSON.parse(a.details ?? "{}").result as { said: string }).said;
    assert.equal(said, "Здравствуйте, Анна! Hello Ann.");
  } finally {
    await h.close();
  }
});
