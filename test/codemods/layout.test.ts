// The file's indentation style, as the rewritten code copies it.
import { describe, expect, it } from "vitest";
import { applyEdits, indentUnit, reindentEdits } from "../../src/codemods/edits.js";

describe("indentUnit", () => {
  it("reads tabs, 2 and 4 spaces, ignoring JSDoc continuation lines", () => {
    expect(indentUnit("class A {\n\tm() {\n\t\treturn 1;\n\t}\n}\n")).toBe("\t");
    expect(
      indentUnit("/**\n * doc\n */\nfunction f() {\n    if (x) {\n        y();\n    }\n}\n"),
    ).toBe("    ");
    expect(indentUnit("const a = {\n  b: {\n    c: 1,\n  },\n};\n")).toBe("  ");
    expect(indentUnit("const a = {\r\n    b: 1,\r\n};\r\n")).toBe("    ");
  });

  it("defaults to 2 spaces for a file with no indentation", () => {
    expect(indentUnit("const a = 1;\nconst b = 2;\n")).toBe("  ");
  });
});

describe("reindentEdits", () => {
  it("indents every non-blank line start inside the range, skipping kept ranges", () => {
    const text = "f({\n  a,\n\n  b: `x\n  y`,\n})";
    const tpl = text.indexOf("`");
    const edits = reindentEdits(text, 0, text.length, "  ", [
      [tpl, text.indexOf("`", tpl + 1) + 1],
    ]);
    expect(applyEdits(text, edits)).toBe("f({\n    a,\n\n    b: `x\n  y`,\n  })");
  });

  it("keeps CRLF line breaks", () => {
    const text = "{\r\n  a;\r\n}";
    expect(applyEdits(text, reindentEdits(text, 0, text.length, "\t", []))).toBe(
      "{\r\n\t  a;\r\n\t}",
    );
  });
});
