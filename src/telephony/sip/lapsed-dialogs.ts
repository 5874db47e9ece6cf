// The dialogs of a node that is gone. Its journal rows are hung up at its next start at the same SIP
// address, but a node that never starts again, or comes back at another address (a port-0 bind, a new
// public host), would leave its callees on the line until the far end gave up (for good, without a session
// timer). So every live node looks, every LAPSED_LOOK_MS, for the rows of nodes whose heartbeat has lapsed,
// at any address, takes them over (the journal lets one node only take each row) and sends their BYEs as
// the start does for an earlier run's (UnownedDialogs.endLeft).
import type { Clock, TimerHandle } from "../../clock/clock.ts";
import type { DialogLog, JournaledDialog } from "./journal.ts";

/**
 * How often a node looks. A dead node's heartbeat lapses a lease after its last renewal (OUTDIAL_LEASE_MS,
 * 60 s by default), so its callees are hung up within that and 30 s more: the engine's own sweep finds its
 * lost contacts within 1.5 leases, the same order. The look is one UPDATE over sip_dialogs, which holds
 * only the answered calls up across the cluster (each row deleted when its call ends), each row's node
 * looked up in node_heartbeats by its primary key; it writes nothing while no node has died. No index
 * would narrow it: the rows wanted are those of any node but the live ones, and a node forgotten from
 * node_heartbeats cannot be looked up from there.
 */
export const LAPSED_LOOK_MS = 30_000;

export class LapsedDialogs {
  private timer: TimerHandle | null = null;
  private looking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly log: DialogLog,
    /** Hangs up dialogs this node took over. */
    private readonly end: (taken: JournaledDialog[]) => void,
    private readonly everyMs = LAPSED_LOOK_MS,
  ) {}

  /** Looks every `everyMs` from now on, if the journal holds other nodes' dialogs. */
  start(): void {
    if (this.stopped || !this.log.takesLapsed) return;
    this.timer = this.clock.after(this.everyMs, () => {
      this.looking = this.look();
      return this.looking;
    });
  }

  /** No more looks; a look under way finishes first, so the rows it took have their BYEs sent (and the
   *  driver's close waits for them) rather than sit under this node until its heartbeat lapses too. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.looking;
  }

  private async look(): Promise<void> {
    this.end(await this.log.takeLapsed());
    this.start();
  }
}
