import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Where exported objects go: files under a directory (CLI) or S3 (the worker). Writes are sequential;
 * `close` puts the final header over the first bytes written (the encoder's placeholder) and returns the
 * object's size. An object exists under its key only once `close` has resolved.
 */
export interface ObjectStore {
  create(key: string, contentType: string): Promise<ObjectWriter>;
  /** Small objects written at once (time maps). */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
}

export interface ObjectWriter {
  write(bytes: Uint8Array): Promise<void>;
  close(header: Uint8Array): Promise<number>;
  abort(): Promise<void>;
}

/** Objects as files under `root`, keys as relative paths; written to `<file>.part` and renamed at close. */
export class FileStore implements ObjectStore {
  constructor(private readonly root: string) {}

  async create(key: string): Promise<ObjectWriter> {
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.part`;
    const handle = await open(partial, 'w');
    return new FileWriter(handle, partial, path);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }
}

class FileWriter implements ObjectWriter {
  private bytes = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly partial: string,
    private readonly path: string,
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    await this.handle.write(bytes);
    this.bytes += bytes.length;
  }

  async close(header: Uint8Array): Promise<number> {
    await this.handle.write(header, 0, header.length, 0);
    await this.handle.close();
    await rename(this.partial, this.path);
    return this.bytes;
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.partial, { force: true });
  }
}
