import type { FileRequestInput } from './file-request';

/**
 * How a command asks for a file: the request is queued for the files worker and the answer is
 * the signed link people can open once the file is ready (the file message follows in the chat).
 */
export interface FileRequests {
  request(input: FileRequestInput): Promise<{ id: string; url: string; expiresAt: number }>;
}
