// Engines as separate nodes on one database and one virtual clock, each with its own sim driver that
// records when it placed each call: for tests of leases and of commands served by another node.
import type { VirtualClock } from "../../src/clock/virtual-clock.ts";
import { Engine } from "../../src/engine/engine.ts";
import type { Store } from "../../src/store/db.ts";
import { createDriver } from "../../src/telephony/index.ts";
import { KeepingDriver } from "./keeping-driver.ts";

export interface Node {
  engine: Engine;
  driver: KeepingDriver;
  /** Virtual times at which this node originated a call. */
  dialedAt: number[];
  errors: unknown[];
}

export function engineNode(
  store: Store,
  clock: VirtualClock,
  name: string,
  seed: number,
  leaseMs: number,
  /** The sim driver's scenario: a preset's name or its fields. */
  scenario: string | Record<string, unknown> = "default",
): Node {
  const driver = new KeepingDriver(createDriver("sim", { clock }, { seed, scenario, maxChannels: null }));
  const dialedAt: number[] = [];
  const originate = driver.originate.bind(driver);
  driver.originate = (req) => {
    dialedAt.push(clock.now());
    originate(req);
  };
  const errors: unknown[] = [];
  const engine = new Engine({
    store,
    clock,
    driver,
    nodeId: name,
    leaseMs,
    maxChannels: null,
    onError: (err) => errors.push(err),
  });
  return { engine, driver, dialedAt, errors };
}
