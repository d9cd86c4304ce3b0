import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../../test/env/proxy.js";
import { bindValidity, KubeAbortedError, KubeTimeoutError, kubeCall } from "./call.js";

// A peer that accepts and never answers (the hung apiserver): every call must end by its deadline
// or its caller's signal. No Kubernetes API is imitated: nothing ever answers.
describe("kubeCall against a peer that never answers", () => {
  let hung: TcpProxy;
  let api: CoreV1Api;

  beforeAll(async () => {
    hung = await startTcpProxy(1, "hang");
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: `http://127.0.0.1:${hung.port}`, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    api = kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => hung.close());

  it("times out at its deadline with an error naming the call", async () => {
    const t0 = Date.now();
    const err = await kubeCall("read node a", undefined, (o) => api.readNode({ name: "a" }, o), {
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeTimeoutError);
    expect((err as Error).message).toBe("read node a: no answer within 300 ms");
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(hung.stats.acceptedWhileHung).toBeGreaterThan(0);
  });

  it("ends when the caller's signal aborts, and sends nothing when it already has", async () => {
    const ctl = new AbortController();
    const pending = kubeCall("patch node a", ctl.signal, (o) => api.readNode({ name: "a" }, o)).catch(
      (e: unknown) => e,
    );
    setTimeout(() => ctl.abort(new Error("leadership lost")), 100);
    const err = await pending;
    expect(err).toBeInstanceOf(KubeAbortedError);
    const before = hung.stats.accepted;
    let called = false;
    const refused = await kubeCall("patch node b", ctl.signal, (o) => {
      called = true;
      return api.readNode({ name: "b" }, o);
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KubeAbortedError);
    expect(called).toBe(false);
    expect(hung.stats.accepted).toBe(before);
  });
});

describe("kubeCall with a term's validity", () => {
  it("refuses to send once the term's wall-clock end has passed, even before its signal aborts", async () => {
    const term = new AbortController();
    let end = Date.now() + 60_000;
    bindValidity(term.signal, () => end);
    let sent = 0;
    const ok = await kubeCall("patch node a", term.signal, () => {
      sent++;
      return Promise.resolve("written");
    });
    expect(ok).toBe("written");
    end = Date.now() - 1;
    const refused = await kubeCall("patch node a", term.signal, () => {
      sent++;
      return Promise.resolve("written");
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KubeAbortedError);
    expect((refused as Error).message).toBe("patch node a: not sent, its term ended");
    expect(sent).toBe(1);
    expect(term.signal.aborted).toBe(false);
  });
});
