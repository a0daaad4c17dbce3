import type { FilesClient } from './file-jobs';

/** What a tick or a command needs of the files client: asking for a file (answered with its signed link). */
export type FileRequests = Pick<FilesClient, 'request'>;
