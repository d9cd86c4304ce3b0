import { describe, expect, it } from "vitest";
import { readIni } from "./ini.js";

/** The single entry of a one-key [Global] file. */
function valueOf(line: string): string | undefined {
  const file = readIni(`[Global]\n${line}\n`);
  expect(file.errors).toEqual([]);
  return file.sections[0].entries[0].value;
}

describe("readIni values (gcfg rules)", () => {
  it.each([
    ["plain", "user = admin", "admin"],
    ["spaces around kept inside, dropped at the ends", "user =   a  b   ", "a  b"],
    ["double quotes removed", 'user = "admin"', "admin"],
    ["quotes keep ; # and spaces", 'password = " p;a#ss "', " p;a#ss "],
    ["quotes may wrap part of a value", 'user = a"b c"d', "ab cd"],
    ["escapes inside quotes", 'password = "a\\"b\\\\c\\td\\ne"', 'a"b\\c\td\ne'],
    ["; starts a comment", "port = 443 ; the port", "443"],
    ["# starts a comment", 'insecure-flag = "1" #self-signed', "1"],
    ["empty quotes: empty value", 'secret-name = ""', ""],
    ["nothing after =: empty value", "secret-name =", ""],
    ["no = at all: blank (undefined)", "insecure-flag", undefined],
    ["blank with a comment", "insecure-flag ; yes", undefined],
    ["no spaces around =", "port=443", "443"],
    ["unicode letters in names", "ümlaut = x", "x"],
  ])("%s", (_, line, want) => {
    expect(valueOf(line)).toBe(want);
  });

  it("continues a value after a backslash at the end of the line", () => {
    const file = readIni("[Global]\ndatacenters = dc1,\\\n  dc2\nport = 1\n");
    expect(file.errors).toEqual([]);
    expect(file.sections[0].entries.map((e) => [e.name, e.value, e.line])).toEqual([
      ["datacenters", "dc1,  dc2", 2],
      ["port", "1", 4],
    ]);
  });

  it("reads CRLF files and a leading BOM", () => {
    const file = readIni('\uFEFF[Global]\r\nuser = "a b"\r\nport = 1\r\n');
    expect(file.errors).toEqual([]);
    expect(file.sections[0].entries.map((e) => e.value)).toEqual(["a b", "1"]);
  });

  it("flags an unquoted value cut by a comment character with no space before it", () => {
    const file = readIni("[Global]\npassword = abc#123\nport = 443 ; fine\n");
    expect(file.sections[0].entries.map((e) => [e.value, e.cutByComment])).toEqual([
      ["abc", true],
      ["443", false],
    ]);
  });
});

describe("readIni sections", () => {
  it("reads names as written and quoted subsections with escapes", () => {
    const file = readIni('[ global ]\n[VirtualCenter "a\\"b"] ; comment\n[virtualcenter "10.0.0.1"]\n');
    expect(file.errors).toEqual([]);
    expect(file.sections.map((s) => [s.name, s.subsection, s.line])).toEqual([
      ["global", undefined, 1],
      ["VirtualCenter", 'a"b', 2],
      ["virtualcenter", "10.0.0.1", 3],
    ]);
  });

  it.each([
    ["unquoted name", "[VirtualCenter 10.0.0.1]", /must be in double quotes/, '[VirtualCenter "10.0.0.1"]'],
    ["empty name", '[VirtualCenter ""]', /empty name/, "[VirtualCenter]"],
    ["unclosed header", "[Global", /not closed/, "]"],
    ["no section name", "[]", /expected a section name/, "[Global]"],
    ["unclosed quote", '[VirtualCenter "x]', /not closed/, '"name"'],
    ["text after ]", "[Global] user = x", /unexpected text/, "comment"],
  ])("reports %s with its line and a fix", (_, header, message, fix) => {
    const file = readIni(`; comment\n${header}\nuser = x\n`);
    expect(file.errors).toHaveLength(1);
    expect(file.errors[0].line).toBe(2);
    expect(file.errors[0].message).toMatch(message);
    expect(file.errors[0].fix).toContain(fix);
  });

  it.each([
    ["key outside a section", "user = x", /outside any section/, "[Global]"],
    ["underscore in a name", "[Global]\ninsecure_flag = 1", /not a valid key name/, "insecure-flag"],
    ["no = between name and value", "[Global]\nuser admin", /expected '='/, "user = value"],
    ["unclosed quote in a value", '[Global]\nuser = "admin', /not closed/, '"'],
    ["unknown escape", '[Global]\nuser = "a\\qb"', /unknown escape/, "\\\\"],
    ["backslash mid-value", "[Global]\nca-file = C:\\certs\\ca.pem", /backslash outside quotes/, "double quotes"],
    ["a line that is not INI", "[Global]\n= x", /not a valid key name/, "key = value"],
  ])("reports %s", (_, text, message, fix) => {
    const file = readIni(text);
    expect(file.errors).toHaveLength(1);
    expect(file.errors[0].message).toMatch(message);
    expect(file.errors[0].fix).toContain(fix);
  });

  it("reports one error for keys under a broken header, not one per key", () => {
    const file = readIni("[VirtualCenter 10.0.0.1]\nuser = a\npassword = b\n");
    expect(file.errors).toHaveLength(1);
  });

  it("never puts a value in an error message", () => {
    const file = readIni('[Global]\npassword = "hunter2\n');
    expect(JSON.stringify(file.errors)).not.toContain("hunter2");
  });
});

describe("readIni after an unclosed quote", () => {
  it("reports the quote once and nothing of the lines it swallowed", () => {
    const file = readIni('[Global]\npassword = "hun\nter2"\nsecond part" more\nuser = admin\nbad_key = 1\n');
    expect(file.errors.map((e) => [e.line, e.message])).toEqual([
      [2, "password: the quoted value is not closed"],
      [6, '"bad_key" is not a valid key name'],
    ]);
    expect(JSON.stringify(file)).not.toContain("ter2");
    expect(file.sections[0].entries.map((e) => e.name)).toEqual(["user"]);
  });

  it("still reports consecutive bad names one by one", () => {
    const file = readIni("[Global]\na_b = 1\nc_d = 2\n");
    expect(file.errors.map((e) => e.line)).toEqual([2, 3]);
  });
});
