// Input checking and diffing shared by the vCenter providers. Pure: no I/O, no vCenter calls, so
// `check` and `diff` are safe in a preview where some inputs are still unknown.

/**
 * What the engine sends for a value not known yet during a preview (`unknownValue` in
 * @pulumi/pulumi/runtime/rpc; a unit test pins it). Such values are never validated or sent on.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const isUnknown = (v: unknown): boolean => v === UNKNOWN || (Array.isArray(v) && v.some((e) => e === UNKNOWN));

/** One problem with one input, as `check` reports it: the property path and how to fix it. */
export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult<I> {
  inputs: I;
  failures: CheckFailure[];
}

/** Replace decisions for `diff`: the properties that force a replacement, if anything changed. */
export interface DiffDecision {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace?: boolean;
}

/** Collects every problem of a resource's inputs so `check` reports them all at once. */
export class Problems {
  readonly failures: CheckFailure[] = [];

  add(property: string, reason: string): void {
    this.failures.push({ property, reason });
  }

  /** A required non-empty string (unknown passes); reports and returns "" when absent. */
  string(news: Record<string, unknown>, key: string, hint: string): string {
    const v = news[key];
    if (v === UNKNOWN) return v;
    if (typeof v !== "string" || v.trim() === "") {
      this.add(key, `required: ${hint}`);
      return typeof v === "string" ? v : "";
    }
    if (v.trim() !== v) this.add(key, `${JSON.stringify(v)} has leading or trailing spaces; remove them`);
    return v;
  }

  /** An optional string: undefined when absent; reports a non-string. */
  optionalString(news: Record<string, unknown>, key: string, hint: string): string | undefined {
    const v = news[key];
    if (v === undefined || v === null) return undefined;
    if (v === UNKNOWN) return v;
    if (typeof v !== "string") {
      this.add(key, `expected a string: ${hint}`);
      return undefined;
    }
    return v;
  }

  /** An optional boolean with a default. */
  boolean(news: Record<string, unknown>, key: string, fallback: boolean): boolean {
    const v = news[key];
    if (v === undefined || v === null) return fallback;
    if (v === UNKNOWN) return v as unknown as boolean;
    if (typeof v !== "boolean") {
      this.add(key, `expected true or false, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  }

  /** A list of strings (unknown elements pass); `each` reports problems of one element. */
  stringList(news: Record<string, unknown>, key: string, each: (s: string, path: string) => void = () => {}): string[] {
    const v = news[key];
    if (v === undefined || v === null) return [];
    if (v === UNKNOWN) return v as unknown as string[];
    if (!Array.isArray(v)) {
      this.add(key, `expected a list of strings, got ${JSON.stringify(v)}`);
      return [];
    }
    v.forEach((e, i) => {
      if (e === UNKNOWN) return;
      if (typeof e !== "string" || e.trim() === "") this.add(`${key}[${i}]`, "expected a non-empty string");
      else each(e, `${key}[${i}]`);
    });
    return v.filter((e): e is string => typeof e === "string");
  }

  /** The result of `check`: the normalized inputs and what is wrong with them. */
  result<I>(inputs: I): CheckResult<I> {
    return { inputs, failures: this.failures };
  }
}

/** Deep equality of JSON-like values; an unknown value equals nothing. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  return a === b;
}

/** Equality of two string lists as sets (order and duplicates do not matter). */
export function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  const sa = new Set(a ?? []);
  const sb = new Set(b ?? []);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/**
 * The diff decision from the properties that changed: `replaceOn` lists those vCenter cannot
 * change in place. `changed` holds property names.
 */
export function decide(changed: readonly string[], replaceOn: readonly string[]): DiffDecision {
  return { changes: changed.length > 0, replaces: changed.filter((p) => replaceOn.includes(p)) };
}

/** Sorted, de-duplicated copy (unknown lists are kept as they are). */
export function sortedUnique(list: string[]): string[] {
  return isUnknown(list) ? list : [...new Set(list)].sort();
}
