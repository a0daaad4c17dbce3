import readline from 'node:readline';
import { terminalSafe } from './terminal-text';

/**
 * Everything the chat client prints goes through here, so that nothing from the server reaches
 * the terminal unfiltered, and so that a push arriving while someone types is written above
 * the prompt and the half-typed line is drawn again below it.
 */
export interface Screen {
  /** A block of text (an answer, a push); stderr for what went wrong. */
  print(text: string, to?: 'out' | 'err'): void;
  /** Shows the prompt: the client waits for a line. */
  prompt(): void;
  /** A line was entered: until the next prompt, text is printed plainly. */
  busy(): void;
}

export interface ScreenStreams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** Output without a prompt: --watch, piped input, tests. */
export function plainScreen(streams: ScreenStreams): Screen {
  return {
    print: (text, to = 'out') => void streams[to].write(terminalSafe(text)),
    prompt: () => undefined,
    busy: () => undefined,
  };
}

/** Output around readline's prompt (its output must be `streams.out`). */
export function promptScreen(rl: readline.Interface, streams: ScreenStreams): Screen {
  let prompting = false;
  return {
    print(text, to = 'out') {
      if (!prompting) {
        streams[to].write(terminalSafe(text));
        return;
      }
      // Back to where the prompt starts (a long typed line wraps over several rows), clear it,
      // write the text there, then draw the prompt with what was typed and the cursor kept.
      readline.moveCursor(streams.out, 0, -rl.getCursorPos().rows);
      readline.cursorTo(streams.out, 0);
      readline.clearScreenDown(streams.out);
      streams[to].write(terminalSafe(text));
      rl.prompt(true);
    },
    prompt() {
      prompting = true;
      rl.prompt();
    },
    busy() {
      prompting = false;
    },
  };
}
