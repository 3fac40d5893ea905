// Postgres text and jsonb cannot hold U+0000: an insert of a string with one fails ("invalid byte sequence for
// encoding UTF8: 0x00"). Model output can contain it: a small or untrained model emits the <0x00> byte token, and an
// endpoint passes through what its model wrote. Such text is stored with U+FFFD (�) in its place, so the reply is
// kept, and the mark shows where the byte was.
export function storableText(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}
