// The attempts that ended on this node and are not written yet, and the writes of them under way. A
// pass's claim carries a batch in its own transaction (take, writing, then committed or putBack); flush()
// writes whatever is left. It owns the batches only: when to write them is the dispatcher's to decide.
import type { FinishedAttempt } from "../store/dispatch/types.ts";

export interface EndedAttemptsOptions {
  /** Writes a batch in a transaction of its own (DispatchStore.finish): the outbox rows it wrote. */
  finish(batch: FinishedAttempt[]): Promise<{ eventsWritten: number }>;
  /** A committed charge, for the account's balance cache. */
  noteCharged(accountId: number, micros: number): void;
  /** Called after a commit that wrote outbox rows (not merely carried events: an account without
   *  subscriptions gets none), so delivery can look at once. */
  onEvents?(): void;
}

export class EndedAttempts {
  private waiting: FinishedAttempt[] = [];
  /** Writes under way (a claim carries them): flush() waits for them as for its own. */
  private readonly writes = new Set<Promise<unknown>>();
  /** Batches taken for a write that has not committed (or failed) yet. */
  private readonly beingWritten = new Set<FinishedAttempt[]>();

  constructor(private readonly o: EndedAttemptsOptions) {}

  /** How many ended attempts wait for a write (none taken for one yet). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  add(f: FinishedAttempt): void {
    this.waiting.push(f);
  }

  /** Everything waiting, for a write that will carry it: committed() or putBack() must follow. */
  take(): FinishedAttempt[] {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length > 0) this.beingWritten.add(batch);
    return batch;
  }

  /** A failed write keeps its outcomes for the next one rather than leaving them to lease expiry. */
  putBack(batch: FinishedAttempt[]): void {
    this.beingWritten.delete(batch);
    this.waiting = batch.concat(this.waiting);
  }

  /** Tracks a write that carries a taken batch, so that flush() waits for it. */
  writing<T>(write: Promise<T>): Promise<T> {
    this.writes.add(write);
    const done = () => this.writes.delete(write);
    write.then(done, done);
    return write;
  }

  /** After a commit of a taken batch: its charges reach the balance cache. (Its events wake delivery
   *  through whoever wrote them: the claim's result tells, or flush.) */
  committed(batch: FinishedAttempt[]): void {
    this.beingWritten.delete(batch);
    for (const f of batch) if (f.charge) this.o.noteCharged(f.charge.accountId, f.charge.micros);
  }

  /** Writes every attempt that has ended so far, including those being written right now: whoever
   *  writes after it (an agent's disposition) writes after them, and so do its webhook events. */
  async flush(): Promise<void> {
    // First the writes under way: one that fails puts its batch back, to be written below.
    await Promise.allSettled([...this.writes]);
    const batch = this.take();
    if (batch.length === 0) return;
    let written: { eventsWritten: number };
    try {
      written = await this.writing(this.o.finish(batch));
    } catch (err) {
      this.putBack(batch);
      throw err;
    }
    this.committed(batch);
    if (written.eventsWritten > 0) this.o.onEvents?.();
  }

  /** Charges of the account's ended calls not yet in the balance cache: waiting to be written, or being
   *  written (by a flush from elsewhere too: an agent's disposition) and not yet noted. */
  owedBy(accountId: number): number {
    let micros = 0;
    for (const batch of [this.waiting, ...this.beingWritten]) {
      for (const f of batch) if (f.charge?.accountId === accountId) micros += f.charge.micros;
    }
    return micros;
  }
}
