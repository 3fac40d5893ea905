// What `npm run bench:kernels` reads out of nvcc's output: per kernel, ptxas's resource report (registers, spills,
// stack, shared memory) and instruction counts from the PTX. Static figures, for machines without a GPU: they
// show what a change does to a kernel's code (instructions per tile, 16-byte accesses, registers and so
// occupancy), not how fast it runs, which only native/gpu/check.sh on a GPU can say.

export type PtxasResources = {
  registers: number;
  spillStores: number; // bytes
  spillLoads: number; // bytes
  stack: number; // bytes of stack frame
  sharedStatic: number; // bytes of static shared memory (dynamic shared memory is set at launch)
};

export type PtxCounts = {
  total: number; // instructions (labels, directives and comments excluded)
  mma: number; // tensor-core mma.sync
  ex2: number; // exp2 (MUFU.EX2)
  globalLoads: number;
  globalLoadsV4: number; // 16-byte global loads
  globalStores: number;
  globalStoresV4: number;
  constLoads: number; // constant memory (a warp's different addresses are served one at a time)
  // 64-bit integer division or remainder (a software routine of dozens of instructions); nvcc's trip count of a
  // grid-stride loop, computed once per thread, shows as one.
  div64: number;
};

// `ptxas -v` (through nvcc -Xptxas -v) prints, per entry function:
//   ptxas info    : Compiling entry function '<mangled>' for 'sm_90a'
//   ptxas info    : Function properties for <mangled>
//       232 bytes stack frame, 796 bytes spill stores, 888 bytes spill loads
//   ptxas info    : Used 255 registers, used 1 barriers, 232 bytes cumulative stack size, 64 bytes smem
export function parsePtxasVerbose(text: string): Map<string, PtxasResources> {
  const out = new Map<string, PtxasResources>();
  let current: PtxasResources | null = null;
  for (const line of text.split("\n")) {
    const entry = /Compiling entry function '([^']+)'/.exec(line);
    if (entry) {
      current = { registers: 0, spillStores: 0, spillLoads: 0, stack: 0, sharedStatic: 0 };
      out.set(entry[1]!, current);
      continue;
    }
    if (!current) continue;
    const frame = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (frame) {
      current.stack = Number(frame[1]);
      current.spillStores = Number(frame[2]);
      current.spillLoads = Number(frame[3]);
    }
    const used = /Used (\d+) registers/.exec(line);
    if (used) {
      current.registers = Number(used[1]);
      const smem = /(\d+) bytes smem/.exec(line);
      if (smem) current.sharedStatic = Number(smem[1]);
    }
  }
  return out;
}

const emptyCounts = (): PtxCounts => ({
  total: 0,
  mma: 0,
  ex2: 0,
  globalLoads: 0,
  globalLoadsV4: 0,
  globalStores: 0,
  globalStoresV4: 0,
  constLoads: 0,
  div64: 0,
});

// Instruction counts per `.entry` of a .ptx file. Counts are static: an unrolled loop counts once per copy, a
// branch's both sides count.
export function parsePtxCounts(ptx: string): Map<string, PtxCounts> {
  const out = new Map<string, PtxCounts>();
  let current: PtxCounts | null = null;
  let depth = 0;
  for (const raw of ptx.split("\n")) {
    const line = raw.trim();
    const entry = /\.entry\s+([\w$]+)\s*\(/.exec(line);
    if (entry) {
      current = emptyCounts();
      out.set(entry[1]!, current);
      depth = 0;
      continue;
    }
    if (!current) continue;
    if (line === "{") depth++;
    else if (line === "}") {
      depth--;
      if (depth <= 0) current = null;
      continue;
    }
    if (!line || line.startsWith(".") || line.startsWith("//") || line.endsWith(":") || line === "{" || line === "}")
      continue;
    const op = (line.startsWith("@") ? line.split(/\s+/)[1] : line.split(/\s+/)[0])?.replace(/;$/, "") ?? "";
    if (!/^[a-z]/.test(op)) continue;
    current.total++;
    if (op.startsWith("mma.")) current.mma++;
    else if (op.startsWith("ex2.")) current.ex2++;
    else if (op.startsWith("ld.global")) {
      current.globalLoads++;
      if (op.includes(".v4.") || /\.v2\.(u64|b64|f64)/.test(op)) current.globalLoadsV4++;
    } else if (op.startsWith("st.global")) {
      current.globalStores++;
      if (op.includes(".v4.") || /\.v2\.(u64|b64|f64)/.test(op)) current.globalStoresV4++;
    } else if (op.startsWith("ld.const")) current.constLoads++;
    else if (/^(div|rem)\.(s|u)64/.test(op)) current.div64++;
  }
  return out;
}

// A demangled kernel's short name: "tf::cuda::(anonymous namespace)::attention_forward_kernel<16>(...)" ->
// "attention_forward_kernel<16>".
export function shortKernelName(demangled: string): string {
  let depth = 0;
  let end = demangled.length;
  for (let i = 0; i < demangled.length; i++) {
    const ch = demangled[i];
    if (ch === "<") depth++;
    else if (ch === ">") depth--;
    else if (ch === "(" && depth === 0 && !demangled.startsWith("(anonymous", i)) {
      end = i;
      break;
    }
  }
  const head = demangled.slice(0, end).replace(/^void /, "");
  return head.replace(/^(?:[\w]+::|\(anonymous namespace\)::)+/, "");
}
