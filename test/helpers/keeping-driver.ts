// A telephony driver for tests that passes every call to a real driver (the sim) and keeps what the engine
// asked for, so a test can check what each call was given and how it was hung up.
import type {
  DriverEvents,
  HangupOptions,
  OriginateRequest,
  TelephonyDriver,
} from "../../src/telephony/driver.ts";

export class KeepingDriver implements TelephonyDriver {
  readonly requests: OriginateRequest[] = [];
  readonly hangups: { callId: string; opts?: HangupOptions }[] = [];
  constructor(private readonly inner: TelephonyDriver) {}
  get name() {
    return this.inner.name;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  setListener(events: DriverEvents): void {
    this.inner.setListener(events);
  }
  originate(req: OriginateRequest): void {
    this.requests.push(req);
    this.inner.originate(req);
  }
  hangup(callId: string, opts?: HangupOptions): void {
    this.hangups.push({ callId, opts });
    this.inner.hangup(callId, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
