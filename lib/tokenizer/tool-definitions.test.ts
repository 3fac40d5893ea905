import { describe, expect, it } from "vitest";
import { parseToolsText } from "./tool-definitions";

describe("parseToolsText", () => {
  const weather = { type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } } };

  it("takes nothing, an array of definitions, or one definition", () => {
    expect(parseToolsText("  ")).toEqual({ ok: true, tools: [] });
    expect(parseToolsText(JSON.stringify([weather]))).toEqual({ ok: true, tools: [weather] });
    expect(parseToolsText(JSON.stringify(weather))).toEqual({ ok: true, tools: [weather] });
  });

  it("says what is wrong, and where", () => {
    expect(parseToolsText("[{")).toMatchObject({ ok: false, message: expect.stringMatching(/^Not valid JSON: /) });
    expect(parseToolsText(JSON.stringify([weather, { type: "function", function: { name: "get weather" } }]))).toEqual({ ok: false, message: "tools[1].function.name: must be 1–64 letters, digits, _ or -" });
    expect(parseToolsText(JSON.stringify([{ type: "code_interpreter" }]))).toEqual({ ok: false, message: 'tools[0].type: must be "function"' });
    expect(parseToolsText(JSON.stringify([{ type: "function", function: { name: "f", parameters: "none" } }]))).toMatchObject({ ok: false, message: expect.stringMatching(/^tools\[0\]\.function\.parameters: /) });
  });
});
