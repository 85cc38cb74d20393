/** Where the CLI writes: the process's streams in the binary, buffers in a test. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}
