// A logged-in vCenter session: service content, Login/Logout, keep-alive with CurrentTime
// (SessionIsActive needs Sessions.ValidateSession, which a read-only role lacks), and one
// transparent re-login when vCenter answers NotAuthenticated (expired or terminated session).
import { InvalidLoginFault, NotAuthenticatedFault, TransportError } from "./errors.js";
import { HttpTransport, type TransportOptions } from "./http.js";
import { asMoRef, asNumber, asObject, asString, type Decoded } from "./soap/codec.js";
import { SoapClient, type CallOptions } from "./soap/client.js";
import type { Operation } from "./soap/wsdl.js";
import { moRef, type MoRef, type ServiceContent, type UserSession } from "./types.js";

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Where a login gets its credentials. Called at every login, so a rotated password is picked up
 * without a restart. When vCenter rejects what it returned (SOAP InvalidLogin, HTTP 401 on the
 * REST login), the client calls it once more with `{ rejected }` and logs in again at once with
 * the answer: how a source with a second place to look (upstream's order: the config's
 * user/password, then the Secret) gets there without a failed round. An answer with the same
 * user name and password lets the rejection stand, so a source that ignores the argument never
 * causes a second failed login (vCenter may lock an account after a few).
 */
export type CredentialSource = (attempt?: { rejected: Credentials }) => Credentials | Promise<Credentials>;

/**
 * Runs `login` with the source's credentials and, when it fails with a rejection, once more with
 * what the source offers instead (see CredentialSource). Resolves with the login's result and the
 * credentials that worked.
 */
export async function loginWithFallback<T>(
  source: CredentialSource,
  login: (c: Credentials) => Promise<T>,
  isRejection: (err: unknown) => boolean,
): Promise<{ result: T; credentials: Credentials }> {
  const first = await source();
  try {
    return { result: await login(first), credentials: first };
  } catch (err) {
    if (!isRejection(err)) throw err;
    const next = await source({ rejected: first });
    if (next.username === first.username && next.password === first.password) throw err;
    return { result: await login(next), credentials: next };
  }
}

export interface SessionOptions extends TransportOptions {
  credentials: CredentialSource;
  /** SOAP endpoint path, default /sdk. */
  path?: string;
}

const SERVICE_INSTANCE = moRef("ServiceInstance", "ServiceInstance");

function parseServiceContent(d: Decoded): ServiceContent {
  const o = asObject(d);
  const ref = (k: string) => {
    const r = asMoRef(o?.[k]);
    if (!r) throw new Error(`RetrieveServiceContent: no ${k} in the answer`);
    return r;
  };
  const about = asObject(o?.about) ?? {};
  return {
    rootFolder: ref("rootFolder"),
    propertyCollector: ref("propertyCollector"),
    viewManager: ref("viewManager"),
    sessionManager: ref("sessionManager"),
    searchIndex: ref("searchIndex"),
    authorizationManager: asMoRef(o?.authorizationManager),
    userDirectory: asMoRef(o?.userDirectory),
    about: {
      name: asString(about.name) ?? "",
      fullName: asString(about.fullName) ?? "",
      version: asString(about.version) ?? "",
      apiVersion: asString(about.apiVersion) ?? "",
      instanceUuid: asString(about.instanceUuid),
      apiType: asString(about.apiType) ?? "",
    },
  };
}

export function parseUserSession(d: Decoded): UserSession | undefined {
  const o = asObject(d);
  if (!o) return undefined;
  return {
    key: asString(o.key) ?? "",
    userName: asString(o.userName) ?? "",
    loginTime: asString(o.loginTime),
    lastActiveTime: asString(o.lastActiveTime),
    callCount: asNumber(o.callCount),
  };
}

const abortedLogin = (signal: AbortSignal) =>
  new TransportError("Login: aborted by the caller", "aborted", { cause: signal.reason });

export class VsphereSession {
  readonly transport: HttpTransport;
  readonly soap: SoapClient;
  private content?: ServiceContent;
  /** One login shared by every caller that needs it; see login(). */
  private loginInFlight?: { promise: Promise<void>; ctl: AbortController; waiting: number };
  private keepAliveTimer?: NodeJS.Timeout;
  private closed = false;
  /** Increments at every login: server-side views and filters belong to one session. */
  generation = 0;
  /** The user of the current session (never the password). */
  userName = "";

  constructor(private readonly opts: SessionOptions) {
    this.transport = new HttpTransport(opts);
    this.soap = new SoapClient(this.transport, opts.path ?? "/sdk");
  }

  /** Connects and logs in. */
  static async connect(opts: SessionOptions, signal?: AbortSignal): Promise<VsphereSession> {
    const s = new VsphereSession(opts);
    try {
      await s.login(signal);
    } catch (err) {
      s.transport.close();
      throw err;
    }
    return s;
  }

  get serviceContent(): ServiceContent {
    if (!this.content) throw new Error("vSphere session used before login");
    return this.content;
  }

  get stats() {
    return this.transport.stats;
  }

  /**
   * Fetches the service content (once) and logs in with the current credentials. Concurrent
   * callers share one login; each caller's signal ends only its own wait. The login itself runs
   * under its own signal (each call bounded by the transport's timeout), aborted only when every
   * caller waiting on it gave up or the session is closed: one caller's deadline never fails the
   * login the others wait on.
   */
  login(signal?: AbortSignal): Promise<void> {
    if (!this.loginInFlight) {
      const ctl = new AbortController();
      const flight = { ctl, waiting: 0, promise: Promise.resolve() };
      flight.promise = this.doLogin(ctl.signal).finally(() => {
        if (this.loginInFlight === flight) this.loginInFlight = undefined;
      });
      this.loginInFlight = flight;
    }
    return this.waitForLogin(this.loginInFlight, signal);
  }

  private waitForLogin(flight: NonNullable<VsphereSession["loginInFlight"]>, signal?: AbortSignal): Promise<void> {
    if (!signal) {
      flight.waiting = Infinity; // a caller without a deadline keeps the login going
      return flight.promise;
    }
    if (signal.aborted) return Promise.reject(abortedLogin(signal));
    flight.waiting++;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        if (--flight.waiting === 0) flight.ctl.abort(signal.reason);
        reject(abortedLogin(signal));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
        (err: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  private async doLogin(signal?: AbortSignal): Promise<void> {
    if (!this.content) {
      this.content = parseServiceContent(
        await this.soap.call("RetrieveServiceContent", SERVICE_INSTANCE, {}, { signal }),
      );
      if (this.content.about.apiVersion) this.soap.setApiVersion(this.content.about.apiVersion);
    }
    this.soap.clearSession();
    const sessionManager = this.content.sessionManager;
    const { result, credentials } = await loginWithFallback(
      this.opts.credentials,
      (c) =>
        this.soap.call(
          "Login",
          sessionManager,
          { userName: c.username, password: c.password, locale: "en_US" },
          { signal },
        ),
      (err) => err instanceof InvalidLoginFault,
    );
    this.userName = parseUserSession(result)?.userName ?? credentials.username;
    this.generation++;
  }

  /**
   * Calls a SOAP method; when vCenter says the session is gone, logs in again once and repeats
   * the call. Faults and transport errors propagate typed.
   */
  async call(
    method: Operation,
    self: MoRef,
    args: Record<string, unknown> = {},
    opts: CallOptions = {},
  ): Promise<Decoded> {
    if (this.closed) throw new Error(`vSphere session closed; cannot call ${method}`);
    const generation = this.generation;
    try {
      return await this.soap.call(method, self, args, opts);
    } catch (err) {
      if (!(err instanceof NotAuthenticatedFault) || method === "Login" || method === "Logout") throw err;
      // Another call may already have logged in again since this one was sent.
      if (this.generation === generation) await this.login(opts.signal);
      return await this.soap.call(method, self, args, opts);
    }
  }

  /** Server time; the cheapest authenticated call, used as keep-alive. */
  async currentTime(signal?: AbortSignal, timeoutMs?: number): Promise<string> {
    return asString(await this.call("CurrentTime", SERVICE_INSTANCE, {}, { signal, timeoutMs })) ?? "";
  }

  /** Keeps the session from idling out; each tick is one CurrentTime call. */
  startKeepAlive(intervalMs: number, onError: (err: unknown) => void = () => {}): void {
    this.stopKeepAlive();
    this.keepAliveTimer = setInterval(() => void this.currentTime().catch(onError), intervalMs);
    this.keepAliveTimer.unref();
  }

  stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  /** Logs out (best effort) and releases the connection pool. */
  async close(signal?: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.stopKeepAlive();
    this.loginInFlight?.ctl.abort(new Error("session closed"));
    try {
      if (this.content && this.soap.hasSession()) {
        await this.soap.call("Logout", this.content.sessionManager, {}, { signal, timeoutMs: 5000 });
      }
    } catch {
      // Logging out of a dead or expired session has nothing left to clean up.
    } finally {
      this.closed = true;
      this.soap.clearSession();
      this.transport.close();
    }
  }
}
