// SOAP calls to vCenter through the `soap` package with our minimal WSDL (wsdl.ts) and our own
// HTTP transport (http.ts), so TLS, timeouts, retries, cookies and call accounting are ours.
import * as soap from "soap";
import { TransportError, vimFault, type VimFault } from "../errors.js";
import type { HttpResponse, HttpTransport } from "../http.js";
import type { MoRef } from "../types.js";
import { decode, moArg, type Decoded, type Xml, type XmlObject } from "./codec.js";
import { minimalWsdl, READ_ONLY, type Operation } from "./wsdl.js";

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

interface SoapExOptions extends CallOptions {
  label: Operation;
  /** When this call's reply arrived (performance.now()), to time the `soap` package's parse. */
  answeredAt?: number;
}

let wsdlPromise: Promise<soap.WSDL> | undefined;

/** Parses the minimal WSDL once per process. */
function sharedWsdl(): Promise<soap.WSDL> {
  wsdlPromise ??= new Promise((resolve, reject) => {
    const w = new soap.WSDL(minimalWsdl("urn:vim25/8.0.1.0"), "urn:vim25-minimal", {});
    w.onReady((err?: Error) => (err ? reject(err) : resolve(w)));
  });
  return wsdlPromise;
}

type SoapCallback = (
  err: unknown,
  res?: { status: number; headers: HttpResponse["headers"]; data: string },
  body?: string,
) => void;

export class SoapClient {
  private client?: soap.Client;
  /** The vmware_soap_session cookie; never logged or put in an error. */
  private cookie = "";
  private soapAction = "urn:vim25/8.0.1.0";

  constructor(
    readonly transport: HttpTransport,
    readonly path = "/sdk",
  ) {}

  /** Sets the SOAPAction version (from the server's about.apiVersion). */
  setApiVersion(version: string): void {
    this.soapAction = `urn:vim25/${version}`;
    this.client?.setSOAPAction(this.soapAction);
  }

  hasSession(): boolean {
    return this.cookie !== "";
  }

  clearSession(): void {
    this.cookie = "";
  }

  private async ensureClient(): Promise<soap.Client> {
    if (this.client) return this.client;
    const httpClient: soap.IHttpClient = {
      request: (_url: string, data: unknown, callback: SoapCallback, headers?: soap.IHeaders, ex?: soap.IExOptions) => {
        void this.post(String(data), headers ?? {}, ex as SoapExOptions).then(
          (res) => callback(null, { status: res.status, headers: res.headers, data: res.body }, res.body),
          (err: unknown) => callback(err),
        );
        return undefined as never;
      },
    };
    const client = new soap.Client(await sharedWsdl(), `${this.transport.origin}${this.path}`, { httpClient });
    client.setSOAPAction(this.soapAction);
    this.client = client;
    return client;
  }

  private async post(xml: string, headers: soap.IHeaders, ex: SoapExOptions): Promise<HttpResponse> {
    const res = await this.transport.send({
      api: "soap",
      label: ex.label,
      method: "POST",
      path: this.path,
      headers: {
        "Content-Type": "text/xml; charset=utf-8",
        SOAPAction: String(headers.SOAPAction ?? `"${this.soapAction}"`),
        ...(this.cookie ? { Cookie: this.cookie } : {}),
      },
      body: xml,
      timeoutMs: ex.timeoutMs,
      signal: ex.signal,
      retry: READ_ONLY.has(ex.label),
    });
    ex.answeredAt = performance.now();
    const setCookie = res.headers["set-cookie"]?.find((c) => c.startsWith("vmware_soap_session="));
    if (setCookie) this.cookie = setCookie.split(";")[0];
    const type = String(res.headers["content-type"] ?? "");
    const xmlBody =
      /xml/i.test(type) || res.body.trimStart().startsWith("<?xml") || res.body.trimStart().startsWith("<soap");
    if ((res.status === 200 || res.status === 500) && xmlBody && /Envelope/.test(res.body)) return res;
    const what =
      /html/i.test(type) || /^\s*<(!doctype|html)/i.test(res.body)
        ? "an HTML page"
        : `content-type ${JSON.stringify(type)}`;
    throw new TransportError(
      `${ex.label}: ${this.transport.host}:${this.transport.port}${this.path} answered HTTP ${res.status} with ${what}, not SOAP (is this a vCenter SDK endpoint?)`,
      res.status >= 500 || res.status === 0 ? "http" : "protocol",
    );
  }

  /**
   * Calls `method` on `self` with arguments in vim25 order; resolves with the decoded returnval
   * (null for void methods). SOAP faults reject as VimFault subclasses, transport problems as
   * TransportError.
   */
  async call(
    method: Operation,
    self: MoRef,
    args: Record<string, unknown> = {},
    opts: CallOptions = {},
  ): Promise<Decoded> {
    const client = await this.ensureClient();
    const fn = client[`${method}Async`] as soap.SoapMethodAsync | undefined;
    if (!fn) throw new Error(`SOAP method ${method} missing from the minimal WSDL`);
    const ex: SoapExOptions = { ...opts, label: method };
    const stats = this.transport.stats;
    let result: unknown;
    try {
      const reply: unknown[] = await fn.call(client, { _this: moArg(self), ...args }, ex);
      result = reply[0];
    } catch (err) {
      throw toError(method, err);
    } finally {
      if (ex.answeredAt !== undefined) stats.recordPhase("soapMs", performance.now() - ex.answeredAt);
    }
    const decoding = performance.now();
    const body = result as XmlObject | undefined | null;
    const out = body && typeof body === "object" && body.returnval !== undefined ? decode(body.returnval) : null;
    stats.recordPhase("decodeMs", performance.now() - decoding);
    return out;
  }
}

interface SoapParseError {
  root?: { Envelope?: { Body?: { Fault?: { faultstring?: string; detail?: XmlObject } } } };
  message?: string;
}

/** Turns what `soap` rejected with into our typed errors. */
export function toError(method: string, err: unknown): Error {
  if (err instanceof TransportError) return err;
  const fault = (err as SoapParseError)?.root?.Envelope?.Body?.Fault;
  if (fault) return faultToError(method, fault);
  const msg = err instanceof Error ? err.message : String(err);
  return new TransportError(`${method}: unreadable SOAP response (${msg})`, "protocol", { cause: err });
}

export function faultToError(method: string, fault: { faultstring?: unknown; detail?: unknown }): VimFault {
  const detail = fault.detail && typeof fault.detail === "object" ? (fault.detail as Record<string, Xml>) : {};
  const key = Object.keys(detail).find((k) => k !== "attributes");
  const node = key ? detail[key] : undefined;
  const decoded = node === undefined ? {} : decode(node);
  const fields =
    decoded && typeof decoded === "object" && !Array.isArray(decoded) ? (decoded as Record<string, unknown>) : {};
  const name =
    (typeof fields._type === "string" ? fields._type : undefined) ?? key?.replace(/Fault$/, "") ?? "SystemError";
  const text =
    typeof fault.faultstring === "string"
      ? fault.faultstring
      : typeof fault.faultstring === "object"
        ? JSON.stringify(fault.faultstring)
        : "";
  const message = `${method}: vCenter fault ${name}${text ? `: ${text}` : ""}${describeDetail(name, fields)}`;
  return vimFault(name, message, method, fields);
}

function describeDetail(name: string, f: Record<string, unknown>): string {
  if (name === "NoPermission" || name === "NotAuthenticated") {
    const o = f.object as MoRef | undefined;
    const priv = typeof f.privilegeId === "string" ? f.privilegeId : undefined;
    if (priv || o) return ` (privilege ${priv ?? "?"} on ${o ? `${o.type}:${o.value}` : "?"})`;
  }
  if (name === "ManagedObjectNotFound") {
    const o = f.obj as MoRef | undefined;
    if (o) return ` (${o.type}:${o.value})`;
  }
  if (name === "DuplicateName" || name === "AlreadyExists") {
    if (typeof f.name === "string") return ` (name ${JSON.stringify(f.name)})`;
  }
  return "";
}
