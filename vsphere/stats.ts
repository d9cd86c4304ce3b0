// Call accounting: every SOAP and REST call is counted and timed by method, so metrics and
// benchmarks report exact vCenter round trips (and tests can assert them).

export interface MethodStats {
  calls: number;
  errors: number;
  totalMs: number;
}

export type CallListener = (api: "soap" | "rest", method: string, ms: number, ok: boolean) => void;

/**
 * Where a SOAP call's time goes, besides the round trip itself (`MethodStats.totalMs`): `soapMs`,
 * reading the reply's XML (the `soap` package's parser, soap/client.ts); `decodeMs`, our codec turning it into typed values. For
 * benchmarks (bench:vsphere prints the split).
 */
export interface PhaseStats {
  soapMs: number;
  decodeMs: number;
}

export class CallStats {
  private readonly byMethod = new Map<string, MethodStats>();
  private readonly listeners: CallListener[] = [];
  private readonly phaseMs: PhaseStats = { soapMs: 0, decodeMs: 0 };

  /** Adds time spent outside the round trip (see PhaseStats). */
  recordPhase(phase: keyof PhaseStats, ms: number): void {
    this.phaseMs[phase] += ms;
  }

  phases(): PhaseStats {
    return { ...this.phaseMs };
  }

  record(api: "soap" | "rest", method: string, ms: number, ok: boolean): void {
    const key = `${api}:${method}`;
    let s = this.byMethod.get(key);
    if (!s) this.byMethod.set(key, (s = { calls: 0, errors: 0, totalMs: 0 }));
    s.calls++;
    s.totalMs += ms;
    if (!ok) s.errors++;
    for (const l of this.listeners) l(api, method, ms, ok);
  }

  /** Subscribes to every recorded call (for Prometheus histograms); returns an unsubscribe function. */
  onCall(listener: CallListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  /** Calls per "soap:Method" / "rest:METHOD path" key. */
  snapshot(): Record<string, MethodStats> {
    return Object.fromEntries([...this.byMethod].map(([k, v]) => [k, { ...v }]));
  }

  total(api?: "soap" | "rest"): number {
    let n = 0;
    for (const [k, v] of this.byMethod) if (!api || k.startsWith(`${api}:`)) n += v.calls;
    return n;
  }

  reset(): void {
    this.byMethod.clear();
    this.phaseMs.soapMs = 0;
    this.phaseMs.decodeMs = 0;
  }
}
