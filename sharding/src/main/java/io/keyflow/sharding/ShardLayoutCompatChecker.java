package io.keyflow.sharding;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a node whose shard layout ({@code keyflow.sharding.key-groups-per-shard}) differs from the
 * cluster's: it would map a key group to another shard id, so the same key group could start on two
 * nodes at once (the fenced journal would keep the data safe, but the two would fail each other's
 * appends). Registered in this module's reference.conf; Pekko runs it on every join.
 */
public final class ShardLayoutCompatChecker extends JoinConfigCompatChecker {

  static final String KEY = "keyflow.sharding.key-groups-per-shard";

  @Override
  public Seq<String> requiredKeys() {
    return CollectionConverters.asScala(List.of(KEY)).toSeq();
  }

  @Override
  public ConfigValidation check(Config toCheck, Config actualConfig) {
    return JoinConfigCompatChecker.fullMatch(requiredKeys(), toCheck, actualConfig);
  }
}
