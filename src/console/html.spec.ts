import { describe, expect, it } from "vitest";
import { html, jsonScript, raw } from "./html.js";

describe("html", () => {
  it("escapes every interpolated value, keeps nested templates and joins arrays", () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<td>${name}</td>`.text).toBe(
      "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>",
    );
    expect(html`<ul>${["a<", "b"].map((x) => html`<li>${x}</li>`)}</ul>`.text).toBe(
      "<ul><li>a&lt;</li><li>b</li></ul>",
    );
    expect(html`${null}${undefined}${false}${0}${raw("<b>")}`.text).toBe("0<b>");
  });

  it("keeps JSON data from closing its script element", () => {
    const out = jsonScript("d", { s: "</script><script>alert(1)</script>" }).text;
    expect(out).not.toContain("</script><script>");
    expect(JSON.parse(out.slice(out.indexOf(">") + 1, out.lastIndexOf("</script>")))).toEqual({
      s: "</script><script>alert(1)</script>",
    });
  });
});
