package io.keyflow.sharding.internal.compat;

/**
 * Refuses a node whose encoding of the record-carrying messages between nodes
 * ({@code keyflow.persistence.message-format}) differs from the cluster's, or that has none (a node
 * that sent them as Jackson CBOR): neither could read the other's requests for its key groups, and
 * every such request would time out. Registered in this module's reference.conf; Pekko runs it on
 * every join.
 */
public final class MessageFormatCompatChecker extends KeyMatchCompatChecker {

  static final String KEY = "keyflow.persistence.message-format";

  public MessageFormatCompatChecker() {
    super(KEY);
  }
}
