// After a list the server pages (jobs, evaluations: 200 at a time, newest first), when there is more than one page:
// which rows these are, and the command that lists the next, older ones (the page's `older` cursor as --before).

export type ListedPage = { shown: number; total: number; newer: number; older: string | null };

/** `noun` names the rows ("Jobs"); `command` is the list command with its filters, to which --before is added. */
export function pageFooter(page: ListedPage, noun: string, command: string): string {
  if (page.newer === 0 && !page.older) return "";
  const range = `${noun} ${page.newer + 1}–${page.newer + page.shown} of ${page.total}, newest first.`;
  return page.older ? `${range} Older ones: ${command} --before ${page.older}\n` : `${range}\n`;
}
