// A reader for the INI dialect of upstream's vsphere.conf, which is gcfg's (git-config's) syntax:
//   [Section] or [Section "name"]   names: a letter, then letters, digits and '-'; case-insensitive
//   key = value                      the value runs to the end of the line or an unquoted ; or #
//   key                              (no '=') a blank value, which means true for booleans
// Double quotes may wrap any part of a value and keep ; # and spaces; inside them \" \\ \n \t are
// escapes. Outside quotes, white space at the ends is dropped and a backslash must end the line
// (the value continues on the next one). It is small enough that a package would add more
// surface than it saves, and gcfg's rules (quotes mid-value, blank booleans) are not what
// general INI packages implement.

export interface IniEntry {
  /** As written; match case-insensitively. */
  name: string;
  /** `undefined` when the line has no '='. */
  value: string | undefined;
  line: number;
  /** An unquoted value ended at ; or # with no space before it (`password = abc#123`): probably not meant as a comment. */
  cutByComment: boolean;
}

export interface IniSection {
  /** As written; match case-insensitively. */
  name: string;
  /** The quoted name, case-sensitive. */
  subsection?: string;
  line: number;
  entries: IniEntry[];
}

export interface IniSyntaxError {
  line: number;
  message: string;
  fix: string;
}

export interface IniFile {
  sections: IniSection[];
  errors: IniSyntaxError[];
}

const isSpace = (ch: string | undefined) => ch === " " || ch === "\t" || ch === "\r";
const NAME = /^\p{L}[\p{L}\p{N}-]*/u;
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", "\\": "\\", '"': '"' };

export function readIni(text: string): IniFile {
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  const file: IniFile = { sections: [], errors: [] };
  let current: IniSection | undefined;
  let skipping = false; // after a broken header: its keys would only add noise
  // After a broken line, the next lines that do not parse are likely its continuation (an
  // unclosed quote around a password): report nothing from them, not even their text.
  let afterError = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const p = skipSpace(line, 0);
    const ch = line[p];
    if (ch === undefined || ch === ";" || ch === "#") continue;
    const lineNo = i + 1;
    if (ch === "[") {
      const header = readHeader(line, p, lineNo);
      afterError = false;
      if ("message" in header) {
        file.errors.push(header);
        current = undefined;
        skipping = true;
      } else {
        current = { ...header, line: lineNo, entries: [] };
        file.sections.push(current);
        skipping = false;
      }
      continue;
    }
    const entry = readEntry(lines, i, p);
    if ("message" in entry) {
      const { unclosed, ...error } = entry;
      if (!afterError) file.errors.push(error);
      afterError = afterError || unclosed === true;
      continue;
    }
    afterError = false;
    i = entry.lastLine;
    if (current) current.entries.push(entry.entry);
    else if (!skipping) {
      file.errors.push({
        line: lineNo,
        message: `${entry.entry.name} is outside any section`,
        fix: "put a section header such as [Global] above it",
      });
      skipping = true;
    }
  }
  return file;
}

function skipSpace(line: string, p: number): number {
  while (isSpace(line[p])) p++;
  return p;
}

function readHeader(
  line: string,
  start: number,
  lineNo: number,
): { name: string; subsection?: string } | IniSyntaxError {
  const err = (message: string, fix: string): IniSyntaxError => ({ line: lineNo, message, fix });
  let p = skipSpace(line, start + 1);
  const name = NAME.exec(line.slice(p))?.[0];
  if (!name) return err("expected a section name after [", "write a header such as [Global]");
  p = skipSpace(line, p + name.length);
  let subsection: string | undefined;
  if (line[p] === '"') {
    const q = readQuoted(line, p + 1);
    if (typeof q === "string") return err(q, `write [${name} "name"]`);
    if (q.value === "") return err(`[${name} ""] has an empty name`, `write [${name}] or put a name in the quotes`);
    subsection = q.value;
    p = skipSpace(line, q.end);
  }
  if (line[p] !== "]") {
    const rest = line.slice(p).split("]")[0].trim();
    return subsection === undefined && rest !== ""
      ? err(`the name in [${name} ${rest}] must be in double quotes`, `write [${name} ${JSON.stringify(rest)}]`)
      : err(`section header [${name}... is not closed`, "end it with ]");
  }
  p = skipSpace(line, p + 1);
  if (p < line.length && line[p] !== ";" && line[p] !== "#") {
    return err("unexpected text after the section header", "put only a comment (; or #) after ]");
  }
  return subsection === undefined ? { name } : { name, subsection };
}

/** Reads a quoted name from just after its opening quote; a string result is an error message. */
function readQuoted(line: string, start: number): { value: string; end: number } | string {
  let out = "";
  for (let p = start; p < line.length; p++) {
    const ch = line[p];
    if (ch === '"') return { value: out, end: p + 1 };
    if (ch === "\\") {
      const esc = ESCAPES[line[p + 1] ?? ""];
      if (esc === undefined) return "unknown escape in quoted name";
      out += esc;
      p++;
    } else out += ch;
  }
  return "the quoted name is not closed";
}

function readEntry(
  lines: string[],
  i: number,
  p: number,
): { entry: IniEntry; lastLine: number } | (IniSyntaxError & { unclosed?: boolean }) {
  const line = lines[i];
  const lineNo = i + 1;
  const name = NAME.exec(line.slice(p))?.[0];
  const token = line.slice(p).split(/[\s=;#]/)[0];
  if (!name || name !== token) {
    const hint = token.replace(/_/g, "-").toLowerCase();
    // Quote only what looks like a name: anything else may be a piece of a value.
    const shown = /^[\p{L}\p{N}_.-]{1,40}$/u.test(token) ? `${JSON.stringify(token)} is` : "this line is";
    return {
      line: lineNo,
      message: `${shown} not a valid key name`,
      fix:
        NAME.exec(hint)?.[0] === hint
          ? `key names use letters, digits and '-': write ${hint}`
          : "write key = value; key names use letters, digits and '-'",
    };
  }
  let q = skipSpace(line, p + name.length);
  if (q >= line.length || line[q] === ";" || line[q] === "#") {
    return { entry: { name, value: undefined, line: lineNo, cutByComment: false }, lastLine: i };
  }
  if (line[q] !== "=") {
    return { line: lineNo, message: `expected '=' after ${name}`, fix: `write ${name} = value` };
  }
  q = skipSpace(line, q + 1);
  const v = readValue(lines, i, q);
  if ("message" in v) return { ...v, message: `${name}: ${v.message}` };
  return { entry: { name, value: v.value, line: lineNo, cutByComment: v.cutByComment }, lastLine: v.lastLine };
}

function readValue(
  lines: string[],
  i: number,
  start: number,
): { value: string; lastLine: number; cutByComment: boolean } | (IniSyntaxError & { unclosed?: boolean }) {
  let out = "";
  let end = 0; // length of `out` up to its last significant character
  let inQuote = false;
  let line = lines[i];
  for (let p = start; ; p++) {
    if (p >= line.length) {
      if (inQuote)
        return { line: i + 1, message: "the quoted value is not closed", fix: 'end it with "', unclosed: true };
      return { value: out.slice(0, end), lastLine: i, cutByComment: false };
    }
    const ch = line[p];
    if (inQuote) {
      if (ch === '"') inQuote = false;
      else if (ch === "\\") {
        const esc = ESCAPES[line[p + 1] ?? ""];
        if (esc === undefined) {
          return {
            line: i + 1,
            message: "unknown escape in quotes",
            fix: 'inside quotes write \\\\ for \\ and \\" for "',
          };
        }
        out += esc;
        p++;
      } else out += ch;
      end = out.length;
    } else if (ch === ";" || ch === "#") {
      return { value: out.slice(0, end), lastLine: i, cutByComment: end > 0 && !isSpace(line[p - 1]) };
    } else if (ch === '"') {
      inQuote = true;
      end = out.length;
    } else if (ch === "\\") {
      if (line.slice(p + 1).trim() !== "" || i + 1 >= lines.length) {
        return {
          line: i + 1,
          message: "a backslash outside quotes must end the line",
          fix: 'put the value in double quotes and write each \\ as \\\\, e.g. "C:\\\\certs\\\\ca.pem"',
        };
      }
      i++;
      line = lines[i];
      p = -1;
    } else {
      out += ch;
      if (!isSpace(ch)) end = out.length;
    }
  }
}
