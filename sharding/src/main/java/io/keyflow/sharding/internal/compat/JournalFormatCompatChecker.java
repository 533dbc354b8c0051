package io.keyflow.sharding.internal.compat;

/**
 * Refuses a node whose journal format ({@code keyflow.journal.format}) differs from the cluster's,
 * or that has none (a node from before the epoch-fenced journal): its key groups would write a
 * journal the others do not read, and its appends would not be fenced against theirs. Registered
 * in this module's reference.conf; Pekko runs it on every join.
 */
public final class JournalFormatCompatChecker extends KeyMatchCompatChecker {

  static final String KEY = "keyflow.journal.format";

  public JournalFormatCompatChecker() {
    super(KEY);
  }
}
