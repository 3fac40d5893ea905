import { describe, expect, it } from "vitest";
import { translateCuda } from "./translate.mjs";

// The emulator's .cu → C++ translation: only launches and shared-memory declarations change, lines stay where
// they were (compiler messages point into the .cu file), and anything unrecognised is an error, not silently kept.

const body = (out: string) => out.split("\n").slice(1).join("\n");

describe("translateCuda", () => {
  it("starts with a #line directive naming the source", () => {
    expect(translateCuda("int x;\n", "/src/a.cu").split("\n")[0]).toBe('#line 1 "/src/a.cu"');
  });

  it("turns launches into Launch(...).run calls, with template kernels, no arguments and multi-line configs", () => {
    const src = [
      "  k<<<grid, 256, 0, stream>>>(a, b);",
      "  gemm<OutT><<<dim3(2, 3), kThreads>>>(x);",
      "  noargs<<<1, 32>>>();",
      "  ns::kern<<<unsigned(n),",
      "             64, smem, s>>>(p,",
      "                           q);",
    ].join("\n");
    const out = body(translateCuda(src, "a.cu"));
    expect(out).toContain('::tf_emu::Launch("k", grid, 256, 0, stream).run(k, a, b);');
    expect(out).toContain('::tf_emu::Launch("gemm<OutT>", dim3(2, 3), kThreads).run(gemm<OutT>, x);');
    expect(out).toContain('::tf_emu::Launch("noargs", 1, 32).run(noargs);');
    expect(out).toContain('::tf_emu::Launch("ns::kern", unsigned(n),\n             64, smem, s).run(ns::kern, p,');
    expect(out.split("\n")).toHaveLength(src.split("\n").length);
  });

  it("gives extern __shared__ arrays the launch's dynamic shared memory", () => {
    const out = body(translateCuda("  extern __shared__ __align__(128) unsigned char smem[];\n", "a.cu"));
    expect(out).toBe("  unsigned char* const smem = static_cast<unsigned char*>(::tf_emu::dynamic_shared_memory());\n");
  });

  it("poisons every static __shared__ array per block, whatever its type and declarator list", () => {
    const out = body(
      translateCuda(
        ["  __shared__ float a[32], b[4][kN + 1];", "  __shared__ __align__(32) bf16 As[TM][TK + kPad];", "  __shared__ long long counts[kThreads];", "  // __shared__ in a comment; is left alone"].join("\n"),
        "a.cu",
      ),
    ).split("\n");
    expect(out[0]).toBe("  __shared__ float a[32], b[4][kN + 1]; ::tf_emu::poison_shared(&a, sizeof(a)); ::tf_emu::poison_shared(&b, sizeof(b));");
    expect(out[1]).toContain("::tf_emu::poison_shared(&As, sizeof(As));");
    expect(out[2]).toContain("::tf_emu::poison_shared(&counts, sizeof(counts));");
    expect(out[3]).toBe("  // __shared__ in a comment; is left alone");
  });

  it("refuses what it cannot translate instead of leaving CUDA syntax behind", () => {
    expect(() => translateCuda("  (*table[i])<<<1, 32>>>(x);\n", "bad.cu")).toThrow(/bad\.cu: a kernel launch or extern __shared__/);
    expect(() => translateCuda("  extern __shared__ float2 x[4];\n", "bad.cu")).toThrow(/bad\.cu/);
  });
});
