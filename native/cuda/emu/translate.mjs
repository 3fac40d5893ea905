// The CUDA emulator's source translation (native/cuda/emu): turns one .cu file into C++ that g++ compiles against
// the emulator's headers. Only what C++ cannot spell is rewritten; everything else (qualifiers, intrinsics, WMMA)
// is plain C++ in emu/*.h:
//   name<<<grid, block[, smem[, stream]]>>>(args)  ->  ::tf_emu::Launch("name", grid, block[, smem[, stream]]).run(name, args)
//   extern __shared__ [__align__(n)] T name[];    ->  T* const name = static_cast<T*>(::tf_emu::dynamic_shared_memory());
//   __shared__ T a[N], b[M];                      ->  the same, then ::tf_emu::poison_shared(&a, sizeof(a)); ... per name
// (static shared memory is refilled with NaN at the start of every block, as dynamic shared memory is, so a read
// before any write shows instead of seeing the previous block's values). A #line directive keeps compiler messages
// pointing at the .cu file; the added calls stay on the declaration's line.
//   node translate.mjs <in.cu> <out.cc>
import fs from "node:fs";
import path from "node:path";

// "a[N], b[M][K]" -> ["a[N]", " b[M][K]"]: commas inside brackets or parentheses do not separate declarators.
function splitTopLevel(text) {
  const parts = [];
  let depth = 0, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[" || c === "(" || c === "{") depth++;
    else if (c === "]" || c === ")" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function translateCuda(source, fileName) {
  let out = source;
  // A launch: the kernel expression (an identifier, optionally qualified, optionally with template arguments
  // that contain no further '<'), the configuration up to '>>>', then the argument list's opening parenthesis.
  const launch = /([A-Za-z_][\w:]*(?:<[^<>;{}]*>)?)\s*<<<([\s\S]*?)>>>\s*\(\s*(\)?)/g;
  out = out.replace(launch, (_m, kernel, config, closing) => {
    const name = kernel.replace(/\s+/g, "");
    const head = `::tf_emu::Launch(${JSON.stringify(name)}, ${config.trim()}).run(${kernel}`;
    return closing ? `${head})` : `${head}, `;
  });
  const dynamicShared = /extern\s+__shared__\s+(?:__align__\(\s*\d+\s*\)\s+)?([A-Za-z_][\w:\s]*?)\s+([A-Za-z_]\w*)\s*\[\s*\]\s*;/g;
  out = out.replace(dynamicShared, (_m, type, name) =>
    `${type}* const ${name} = static_cast<${type}*>(::tf_emu::dynamic_shared_memory());`);
  // Static shared declarations: one statement on one line, starting the line (comments never match).
  const staticShared = /^([ \t]*)__shared__\s+(?:__align__\(\s*\d+\s*\)\s+)?((?:(?:unsigned|signed|long|short|const|volatile)\s+)*[A-Za-z_][\w:<>]*)\s+([^;\n]+);/gm;
  out = out.replace(staticShared, (m, _indent, _type, declarators) => {
    const names = splitTopLevel(declarators).map((d) => d.trim().match(/^([A-Za-z_]\w*)/)?.[1]);
    if (names.some((n) => !n)) throw new Error(`${fileName}: a __shared__ declaration the emulator's translation does not recognise: ${m.trim()}`);
    return `${m} ${names.map((n) => `::tf_emu::poison_shared(&${n}, sizeof(${n}));`).join(" ")}`;
  });
  if (out.includes("<<<") || /extern\s+__shared__/.test(out))
    throw new Error(`${fileName}: a kernel launch or extern __shared__ declaration the emulator's translation does not recognise`);
  return `#line 1 ${JSON.stringify(fileName)}\n${out}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error("usage: node translate.mjs <in.cu> <out.cc>");
    process.exit(2);
  }
  try {
    const text = translateCuda(fs.readFileSync(input, "utf8"), path.resolve(input));
    fs.mkdirSync(path.dirname(output), { recursive: true });
    fs.writeFileSync(output, text);
  } catch (e) {
    console.error(`translate.mjs: ${e.message}`);
    process.exit(1);
  }
}
