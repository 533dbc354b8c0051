package io.keyflow.persistence.results;

/**
 * Which life of a pipeline its results belong to: every {@code bin/keyflow reset} starts a new
 * generation, recorded in {@code pipeline_generations}. A key group numbers its outputs from 1 again
 * after a reset; the results store writes each output under {@code seqBase + outputSeq}, both as the
 * row's {@code output_seq} and as its write timestamp. The base of a new generation is the timestamp
 * of the reset's tombstones and lies above every sequence number the previous generation stored, so
 * new results are visible at once, and an SSE cursor or webhook offset held from before the reset
 * (always below the base) skips none of them. See docs/reset.md.
 *
 * @param generation 0 before the first reset, then 1, 2, ...
 * @param seqBase added to every output sequence number of this generation (0 in generation 0)
 */
public record ResultsGeneration(long generation, long seqBase) {

  /** A pipeline never reset. */
  public static final ResultsGeneration FIRST = new ResultsGeneration(0, 0);

  public ResultsGeneration {
    if (generation < 0 || seqBase < 0) {
      throw new IllegalArgumentException("generation and sequence base must be >= 0, got " + generation + ", " + seqBase);
    }
  }

  /** The sequence number (and write timestamp) a result stores for output {@code outputSeq}. */
  public long storedSeq(long outputSeq) {
    if (outputSeq <= 0) {
      throw new IllegalArgumentException("output sequence numbers start at 1, got " + outputSeq);
    }
    return Math.addExact(seqBase, outputSeq);
  }

  /**
   * The generation a reset starts: its base is above the wall clock of the reset (so new writes
   * outrank the wall-clock tombstones of the rows that reset deletes) and above {@code highestStoredSeq},
   * the highest sequence number found in this generation's results log, late records and webhook
   * offsets (so no old cursor or offset can be ahead of a new result).
   *
   * @param nowMicros the wall clock in microseconds since the epoch, as Cassandra dates writes
   */
  public ResultsGeneration next(long nowMicros, long highestStoredSeq) {
    long base = Math.max(Math.max(nowMicros, seqBase), Math.addExact(highestStoredSeq, 1));
    return new ResultsGeneration(generation + 1, base);
  }
}
