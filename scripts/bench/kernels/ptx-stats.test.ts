import { describe, expect, it } from "vitest";
import { parsePtxasVerbose, parsePtxCounts, shortKernelName } from "./ptx-stats";

// Lines as nvcc 13's ptxas -v prints them (read off this project's attention_backward.cu).
const PTXAS = `ptxas info    : 0 bytes gmem
ptxas info    : Compiling entry function '_Z3fooPf' for 'sm_90a'
ptxas info    : Function properties for _Z3fooPf
    232 bytes stack frame, 796 bytes spill stores, 888 bytes spill loads
ptxas info    : Used 255 registers, used 1 barriers, 232 bytes cumulative stack size, 64 bytes smem
ptxas info    : Compiling entry function '_Z3barv' for 'sm_90a'
ptxas info    : Function properties for _Z3barv
    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 13 registers, used 0 barriers
`;

const PTX = `.visible .entry _Z3fooPf(
	.param .u64 _Z3fooPf_param_0
)
{
	.reg .f32 	%f<4>;
	ld.global.v4.u32 	{%r1, %r2, %r3, %r4}, [%rd1];
	ld.global.u16 	%rs1, [%rd2];
	@%p1 bra 	$L__BB0_2;
	// begin inline asm
	ex2.approx.ftz.f32 %f1, %f2;
	// end inline asm
	mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%f1, %f2, %f3, %f4}, {%r1, %r2, %r3, %r4}, {%r5, %r6}, {%f1, %f2, %f3, %f4};
$L__BB0_2:
	ld.const.f32 	%f3, [kNf4CodeDevice];
	div.s64 	%rd3, %rd4, %rd5;
	rem.u64 	%rd6, %rd4, %rd5;
	div.s32 	%r7, %r8, %r9;
	st.global.v4.u32 	[%rd1], {%r1, %r2, %r3, %r4};
	st.global.u16 	[%rd2], %rs1;
	ret;
}
.visible .entry _Z3barv()
{
	ret;
}
`;

describe("bench:kernels parsers", () => {
  it("reads registers, spills, stack and static shared memory per entry from ptxas -v", () => {
    const r = parsePtxasVerbose(PTXAS);
    expect(r.get("_Z3fooPf")).toEqual({ registers: 255, spillStores: 796, spillLoads: 888, stack: 232, sharedStatic: 64 });
    expect(r.get("_Z3barv")).toEqual({ registers: 13, spillStores: 0, spillLoads: 0, stack: 0, sharedStatic: 0 });
  });

  it("counts a kernel's PTX instructions by kind, without labels, directives or comments", () => {
    const c = parsePtxCounts(PTX);
    expect(c.get("_Z3fooPf")).toEqual({
      total: 12,
      mma: 1,
      ex2: 1,
      globalLoads: 2,
      globalLoadsV4: 1,
      globalStores: 2,
      globalStoresV4: 1,
      constLoads: 1,
      div64: 2,
    });
    expect(c.get("_Z3barv")?.total).toBe(1);
  });

  it("shortens demangled names to the kernel and its template arguments", () => {
    expect(
      shortKernelName(
        "void tf::cuda::(anonymous namespace)::attention_forward_kernel<16>(tf::cuda::AttnForwardPlan, float)",
      ),
    ).toBe("attention_forward_kernel<16>");
    expect(shortKernelName("tf::cuda::(anonymous namespace)::ce_reduce(float const*, long)")).toBe("ce_reduce");
  });
});
