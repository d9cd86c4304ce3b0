// One vAPI REST session against vCenter: login with HTTP Basic (credentials fetched at every
// login, so a rotated password is picked up), the token sent on every call, one transparent
// re-login when the server answers 401 (expired or deleted session), logout on close. Every call
// goes through HttpTransport.send with api "rest", so it is counted; only reads are retried.
// The password and the token never appear in an error message or a log.
import { RestError, TransportError } from "../errors.js";
import { HttpTransport, type HttpRequest, type HttpResponse, type TransportOptions } from "../http.js";
import { loginWithFallback, type CredentialSource, type Credentials } from "../session.js";
import { REST_FLAVOUR, SESSION_HEADER, type ApiFlavour, type Route, type TaggingOperation } from "./routes.js";

export interface RestCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface RestClientOptions {
  /** Share the SOAP session's transport for one connection pool and one CallStats, or make one. */
  transport: HttpTransport;
  credentials: CredentialSource;
  /** Path layer; `/rest` (the default) is the only one so far. */
  flavour?: ApiFlavour;
  /** Close the transport when the client closes (set by `RestClient.create`). */
  ownsTransport?: boolean;
}

const LOGOUT_TIMEOUT_MS = 5000;

export class RestClient {
  readonly transport: HttpTransport;
  readonly flavour: ApiFlavour;
  private readonly credentials: CredentialSource;
  private readonly ownsTransport: boolean;
  /** The session token; never logged or put in an error. */
  private token = "";
  private loginInFlight?: Promise<void>;
  private closed = false;
  /** Increments at every login. */
  generation = 0;

  constructor(opts: RestClientOptions) {
    this.transport = opts.transport;
    this.credentials = opts.credentials;
    this.flavour = opts.flavour ?? REST_FLAVOUR;
    this.ownsTransport = opts.ownsTransport ?? false;
  }

  /** A client with a transport of its own; no I/O until the first call. */
  static create(opts: TransportOptions & { credentials: CredentialSource; flavour?: ApiFlavour }): RestClient {
    return new RestClient({ ...opts, transport: new HttpTransport(opts), ownsTransport: true });
  }

  get stats() {
    return this.transport.stats;
  }

  get loggedIn(): boolean {
    return this.token !== "";
  }

  /** Creates a session with the current credentials (calls share one login in flight). */
  login(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new Error("vAPI REST client closed; cannot log in"));
    this.loginInFlight ??= this.doLogin(signal).finally(() => (this.loginInFlight = undefined));
    return this.loginInFlight;
  }

  private async doLogin(signal?: AbortSignal): Promise<void> {
    this.token = "";
    const { result: token } = await loginWithFallback(
      this.credentials,
      (c) => this.createSession(c, signal),
      (err) => err instanceof RestError && err.status === 401,
    );
    this.token = token;
    this.generation++;
  }

  /** One `POST session` with HTTP Basic; resolves with the token, rejects 401 as a RestError. */
  private async createSession({ username, password }: Credentials, signal?: AbortSignal): Promise<string> {
    const route = this.flavour.login;
    // Header authn: the token comes back in the body only, no cookie to keep track of.
    const headers = { Authorization: basic(username, password), "vmware-use-header-authn": "true" };
    const res = await this.send(route, headers, { signal });
    if (res.status === 401) {
      throw new RestError(
        `${route.label}: vCenter rejected the login of ${JSON.stringify(username)}`,
        401,
        route.label,
      );
    }
    if (res.status >= 300) throw responseError(this.flavour, route, res, [password]);
    const token = this.flavour.token(parseJson(res.body));
    if (!token) {
      throw new TransportError(`${route.label}: the login answer carries no session id (is this vCenter?)`, "protocol");
    }
    return token;
  }

  /**
   * Runs one tagging operation and resolves with the unwrapped answer (undefined for an empty
   * one). Logs in first when there is no session; on 401 logs in again once and repeats the call.
   * Error answers reject as RestError, unreadable ones as TransportError.
   */
  async call(op: TaggingOperation, opts: RestCallOptions = {}): Promise<unknown> {
    const route = this.flavour.route(op);
    if (this.closed) throw new Error(`vAPI REST client closed; cannot call ${route.label}`);
    if (!this.token) await this.login(opts.signal);
    const generation = this.generation;
    let res = await this.send(route, { [SESSION_HEADER]: this.token }, opts);
    if (res.status === 401) {
      // The session expired or was deleted; a 401 means the call was not run, so resending is safe.
      // Another call may already have logged in again since this one was sent.
      if (this.generation === generation) await this.login(opts.signal);
      res = await this.send(route, { [SESSION_HEADER]: this.token }, opts);
    }
    return this.result(route, res);
  }

  private result(route: Route, res: HttpResponse): unknown {
    if (res.status < 200 || res.status >= 300) throw responseError(this.flavour, route, res, [this.token]);
    if (res.body.trim() === "") return undefined;
    const json = parseJson(res.body);
    const unwrapped = json === undefined ? undefined : this.flavour.unwrap(json);
    if (!unwrapped)
      throw new TransportError(`${route.label}: HTTP ${res.status} with an unreadable answer`, "protocol");
    return unwrapped.value;
  }

  private send(route: Route, headers: Record<string, string>, opts: RestCallOptions): Promise<HttpResponse> {
    const body = route.body === undefined ? undefined : JSON.stringify(route.body);
    const req: HttpRequest = {
      api: "rest",
      label: route.label,
      method: route.method,
      path: route.path,
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      retry: route.read,
    };
    return this.transport.send(req);
  }

  /** Deletes the session (best effort) and, when it owns it, closes the transport. */
  async close(signal?: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.loginInFlight?.catch(() => {});
      if (this.token) {
        await this.send(
          this.flavour.logout,
          { [SESSION_HEADER]: this.token },
          { signal, timeoutMs: LOGOUT_TIMEOUT_MS },
        );
      }
    } catch {
      // An unreachable vCenter expires the session by itself.
    } finally {
      this.token = "";
      if (this.ownsTransport) this.transport.close();
    }
  }
}

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The error for a non-2xx answer: RestError with the vAPI error type when the body is a vAPI
 * error, or with the status alone (vcsim answers 404 as plain text); TransportError when a 5xx
 * is not a vAPI error (a proxy or a broken endpoint, not vCenter's verdict). `redact` lists
 * secrets that must not reach the message even if the server echoed them.
 */
export function responseError(
  flavour: ApiFlavour,
  route: Route,
  res: HttpResponse,
  redact: readonly string[] = [],
): RestError | TransportError {
  const vapi = flavour.error(parseJson(res.body));
  const what = `${route.label}${route.subject ? ` (${route.subject})` : ""}: HTTP ${res.status}`;
  const scrub = (s: string) => redact.reduce((t, secret) => (secret ? t.split(secret).join("***") : t), s);
  if (vapi) {
    const text = vapi.messages.length ? `: ${vapi.messages.join("; ")}` : "";
    return new RestError(scrub(`${what} ${vapi.type ?? ""}${text}`.trim()), res.status, route.label, vapi.type);
  }
  const plain = plainText(res);
  if (res.status >= 500) {
    return new TransportError(scrub(`${what}${plain ? `: ${plain}` : ""} (not a vAPI error)`), "http");
  }
  return new RestError(scrub(`${what}${plain ? `: ${plain}` : ""}`), res.status, route.label);
}

/** A short plain-text body worth quoting (not HTML, not huge). */
function plainText(res: HttpResponse): string {
  const text = res.body.trim();
  if (!text || text.length > 200 || /^<|html/i.test(text)) return "";
  return text.split("\n")[0];
}
