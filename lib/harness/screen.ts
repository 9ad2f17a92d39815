/**
 * Reading a harness's screen (tmux capture-pane text). Selection dialogs are drawn as option
 * lines (numbered, or not) with a marker (❯ or ›) on the highlighted one; csd reads them before pressing
 * anything, because a blind Enter has exited workers whose dialog defaulted to "No".
 */

/** One option of a selection dialog. */
export interface DialogOption {
  number: number;
  label: string;
  highlighted: boolean;
}

const OPTION_LINE = /^\s*[│|]?\s*([❯›>▶➤])?\s*(\d{1,2})\.\s+(.+?)\s*[│|]?\s*$/;

/** A dialog's footer: the lines just above it are its options. */
const CONFIRM_FOOTER = /^\s*[│|]?\s*Enter to confirm\b/;
const UNNUMBERED_OPTION_LINE = /^\s*[│|]?\s?([❯›>▶➤]|\s)\s(\S.*?)\s*[│|]?\s*$/;

/**
 * The options of the selection dialog on screen, in order: numbered ones (the last contiguous
 * group), else — Claude Code 2.1.332 draws its trust dialog without numbers, with "No, exit"
 * highlighted — the marked and indented lines right above an "Enter to confirm" footer.
 */
export function dialogOptions(screen: string): DialogOption[] {
  const options: DialogOption[] = [];
  for (const line of screen.split("\n")) {
    const match = line.match(OPTION_LINE);
    if (!match) continue;
    const number = Number(match[2]);
    if (number === 1) options.length = 0;
    options.push({ number, label: match[3]!, highlighted: match[1] !== undefined });
  }
  if (options.length >= 2 && options.some((o) => o.highlighted)) return options;
  return unnumberedOptions(screen);
}

function unnumberedOptions(screen: string): DialogOption[] {
  const lines = screen.split("\n");
  const footer = lines.findLastIndex((line) => CONFIRM_FOOTER.test(line));
  if (footer < 0) return [];
  const group: DialogOption[] = [];
  let above = footer - 1;
  while (above >= 0 && lines[above]!.trim() === "") above--;
  for (let i = above; i >= 0; i--) {
    const match = lines[i]!.match(UNNUMBERED_OPTION_LINE);
    if (!match) break;
    group.unshift({ number: 0, label: match[2]!, highlighted: match[1]!.trim() !== "" });
  }
  const options = group.map((option, index) => ({ ...option, number: index + 1 }));
  // Exactly one highlighted line, or this is not a selection dialog (it could be wrapped text).
  return options.length >= 2 && options.filter((o) => o.highlighted).length === 1 ? options : [];
}

/**
 * Keys that move the highlight onto `target` and confirm only once it is there. Returns one
 * step at a time (the caller re-reads the screen between steps).
 */
export function selectOptionStep(options: DialogOption[], target: DialogOption): string[] {
  const current = options.findIndex((o) => o.highlighted);
  const wanted = options.indexOf(target);
  if (current === wanted) return ["Enter"];
  return [wanted > current ? "Down" : "Up"];
}

/** The screen's non-empty lines, trimmed of box-drawing borders. */
export function screenLines(screen: string): string[] {
  return screen.split("\n").map((line) => line.replace(/^[\s│|]+|[\s│|]+$/g, "")).filter(
    (line) => line.length > 0,
  );
}

/** Collapses all whitespace, for comparing text that the terminal re-wrapped. */
export function squash(text: string): string {
  return text.replace(/\s+/g, "");
}

/**
 * True when input-box text `box` shows (the end of) `text`: the box wraps and re-spaces long
 * text and may show only its tail, so both are compared without whitespace, over the last 40
 * characters.
 */
export function boxShowsText(box: string, text: string): boolean {
  const wanted = squash(text);
  const shown = squash(box);
  if (shown.length === 0 || wanted.length === 0) return false;
  const tail = wanted.slice(-Math.min(wanted.length, 40));
  return shown.includes(tail) || wanted.includes(shown.slice(-40));
}
