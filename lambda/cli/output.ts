/**
 * Writing alerts to stdout: with backpressure (a slow pipe holds the replay back instead of buffering every alert
 * in memory), and quietly ending when the reader goes away (`replay … | head`: EPIPE is not an error).
 */
export class Output {
  /** The reader closed the pipe: stop producing. */
  closed = false;
  private failure: Error | null = null;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else this.failure = err;
    });
  }

  /** Resolves once the stream can take more; never rejects for a closed pipe. Throws on any other write error. */
  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) return;
    if (!this.stream.write(text)) await this.writable();
    if (this.failure) throw this.failure;
  }

  /** Resolves on drain, close or error (events.once would reject on the error a closed pipe raises). */
  private writable(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}

/**
 * The `limit` best rows by a sort key, kept while rows stream in (memory: about twice `limit` rows), and how many
 * rows there were in all.
 */
export class TopRows<T> {
  private rows: T[] = [];
  total = 0;

  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  add(row: T): void {
    this.total++;
    this.rows.push(row);
    if (this.rows.length >= 2 * this.limit) this.trim();
  }

  result(): T[] {
    this.trim();
    return this.rows;
  }

  private trim(): void {
    this.rows.sort(this.compare);
    if (this.rows.length > this.limit) this.rows.length = this.limit;
  }
}
