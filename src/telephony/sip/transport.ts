// The SIP driver's UDP transport and its retransmission (RFC 3261 §17.1): one socket toward the trunk,
// requests resent at T1, 2·T1, … until a response stops them or 64·T1 gives up. Timers run on the Clock.
// Datagrams go to an address: a host name is resolved by resolve(), once for all a call sends.
import dgram from "node:dgram";
import dns from "node:dns";
import { isIP } from "node:net";
import type { Clock, TimerHandle } from "../../clock/clock.ts";
import { MAX_DATAGRAM, parseMessage, type SipMessage } from "./message.ts";

export interface Peer {
  host: string;
  port: number;
}

/** A request being retransmitted until `cancel()` (which also ends the 64·T1 wait: after a provisional
 *  response an INVITE waits for its final one without bound, RFC 3261 §17.1.1.2). */
export interface Retransmission {
  cancel(): void;
}

export class SipTransport {
  private socket: dgram.Socket | null = null;
  private handler: ((msg: SipMessage, from: Peer) => void) | null = null;
  /** The address family the socket sends to (set by open()). */
  private family: 4 | 6 = 4;

  constructor(
    private readonly clock: Clock,
    readonly t1Ms: number,
    /** Non-INVITE retransmissions stop doubling here (T2). */
    readonly t2Ms = 4000,
  ) {}

  /** Binds the socket; rejects when the address cannot be had (in use, not local). */
  async open(host: string, port: number, onMessage: (msg: SipMessage, from: Peer) => void): Promise<Peer> {
    this.handler = onMessage;
    const type = host.includes(":") ? "udp6" : "udp4";
    this.family = type === "udp6" ? 6 : 4;
    const socket = dgram.createSocket({ type, recvBufferSize: 1 << 20 });
    this.socket = socket;
    try {
      await bind(socket, port, host);
    } catch (err) {
      this.socket = null;
      this.handler = null;
      throw err;
    }
    // A send error (a host that does not resolve, a full buffer) loses one datagram; retransmission or the
    // transaction's timeout deals with it, as with any datagram lost on the way.
    socket.on("error", () => {});
    socket.on("message", (data, rinfo) => {
      if (data.length > MAX_DATAGRAM) return;
      const msg = parseMessage(data);
      if (msg) this.handler?.(msg, { host: rinfo.address, port: rinfo.port });
    });
    const address = socket.address();
    return { host: address.address, port: address.port };
  }

  /**
   * `peer` at one address of the socket's family, resolved now; an IP literal as it is, at once. Given a
   * host name, send() would have each datagram resolve it anew (dgram does), and a name that answers with
   * several servers in turn (round-robin DNS) would take a CANCEL or an ACK to a server that never saw the
   * INVITE (RFC 3261 §9.1, §17.1.1.3). A name that does not resolve now comes back as it is: each
   * datagram then tries again, and the INVITE's timeout (64·T1) fails a trunk that never resolves, as it
   * fails one that never answers.
   */
  resolve(peer: Peer): Promise<Peer> {
    if (isIP(peer.host) !== 0) return Promise.resolve(peer);
    return new Promise((done) => {
      // dns.lookup, as dgram's send() itself asks: /etc/hosts and the system's resolver, not DNS alone.
      dns.lookup(peer.host, { family: this.family }, (err, address) => {
        done(err ? peer : { host: address, port: peer.port });
      });
    });
  }

  /** Every address of the socket's family `host` resolves to now (dns.lookup, as resolve()); none if it
   *  does not resolve. */
  addressesOf(host: string): Promise<string[]> {
    return new Promise((done) => {
      dns.lookup(host, { family: this.family, all: true }, (err, addresses) => {
        done(err ? [] : addresses.map((a) => a.address));
      });
    });
  }

  send(text: string, to: Peer): void {
    try {
      this.socket?.send(Buffer.from(text, "utf8"), to.port, to.host, () => {});
    } catch {
      // A send refused outright (a reply to the port 0 a spoofed datagram came from) loses that datagram,
      // as any send error does; thrown, it would end the process from inside the socket's message handler.
    }
  }

  /**
   * Sends `text` now and again until stopped. An INVITE doubles its interval without bound (Timer A); other
   * requests, and a UAS's 2xx to an INVITE (§13.3.1.4), cap it at T2 (Timer E). After 64·T1 (Timers B and
   * F) `onTimeout` runs.
   */
  retransmit(text: string, to: Peer, invite: boolean, onTimeout: () => void): Retransmission {
    let stopped = false;
    let interval = this.t1Ms;
    let resend: TimerHandle | null = null;
    const again = () => {
      if (stopped) return;
      this.send(text, to);
      resend = this.clock.after(interval, again);
      interval = invite ? interval * 2 : Math.min(interval * 2, this.t2Ms);
    };
    again();
    const giveUp = this.clock.after(64 * this.t1Ms, () => {
      if (stopped) return;
      stopped = true;
      resend?.cancel();
      onTimeout();
    });
    return {
      cancel() {
        stopped = true;
        resend?.cancel();
        giveUp.cancel();
      },
    };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.handler = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/** A UDP socket on `host` (any port) that takes whatever comes and drops it; closed again if it cannot bind. */
export async function bindSink(host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  socket.on("message", () => {});
  await bind(socket, 0, host);
  socket.on("error", () => {});
  return socket;
}

/** Binds `socket`, or closes it and throws: whoever failed to open may never call close(), and the handle
 *  would keep the process alive. */
async function bind(socket: dgram.Socket, port: number, host: string): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    socket.close();
    throw err;
  }
}
