package io.keyflow.sharding.internal.compat;

/**
 * Refuses a node whose shard layout ({@code keyflow.sharding.key-groups-per-shard}) differs from the
 * cluster's: it would map a key group to another shard id, so the same key group could start on two
 * nodes at once (the fenced journal would keep the data safe, but the two would fail each other's
 * appends). Registered in this module's reference.conf; Pekko runs it on every join.
 */
public final class ShardLayoutCompatChecker extends KeyMatchCompatChecker {

  static final String KEY = "keyflow.sharding.key-groups-per-shard";

  public ShardLayoutCompatChecker() {
    super(KEY);
  }
}
