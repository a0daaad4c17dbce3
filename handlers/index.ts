import type { Command } from '../src/pipeline/command';
import help from './help';
import whoami from './whoami';

/** Every chat command, one file each. Order is the order /帮助 lists them. */
export const commands: readonly Command[] = [whoami, help];
