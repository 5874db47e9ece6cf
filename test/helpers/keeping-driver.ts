// A telephony driver for tests that passes every call to a real driver (the sim) and keeps what the engine
// asked for, so a test can check what each call was given and how it was hung up. With `crossAnswers` on, a
// call hung up without options (a stop's, a release's) ends as a SIP call does when the callee's 2xx
// crosses the CANCEL: flagged answeredAfterCancel.
import type {
  DriverEvents,
  HangupOptions,
  OriginateRequest,
  TelephonyDriver,
} from "../../src/telephony/driver.ts";

export class KeepingDriver implements TelephonyDriver {
  readonly requests: OriginateRequest[] = [];
  readonly hangups: { callId: string; opts?: HangupOptions }[] = [];
  crossAnswers = false;
  private readonly crossing = new Set<string>();
  /** Calls the far end has picked up: their hang-ups are BYEs, never a CANCEL an answer could cross. */
  private readonly pickedUp = new Set<string>();
  constructor(private readonly inner: TelephonyDriver) {}
  get name() {
    return this.inner.name;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  setListener(events: DriverEvents): void {
    this.inner.setListener({
      ...events,
      connected: (callId) => {
        this.pickedUp.add(callId);
        events.connected?.(callId);
      },
      answered: (callId, by) => {
        this.pickedUp.add(callId);
        events.answered(callId, by);
      },
      ended: (ev) => {
        this.pickedUp.delete(ev.callId);
        const crossed = this.crossing.delete(ev.callId);
        events.ended(crossed ? { ...ev, answeredAfterCancel: true } : ev);
      },
    });
  }
  originate(req: OriginateRequest): void {
    this.requests.push(req);
    this.inner.originate(req);
  }
  hangup(callId: string, opts?: HangupOptions): void {
    this.hangups.push({ callId, opts });
    if (this.crossAnswers && opts === undefined && !this.pickedUp.has(callId)) this.crossing.add(callId);
    this.inner.hangup(callId, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
