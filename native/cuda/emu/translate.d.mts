/** translate.mjs: one .cu file's text as C++ for the CUDA emulator (see the file's header). Throws on launch
 * or shared-memory syntax it does not recognise. */
export function translateCuda(source: string, fileName: string): string;
