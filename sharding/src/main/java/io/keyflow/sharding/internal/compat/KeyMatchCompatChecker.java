package io.keyflow.sharding.internal.compat;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/** A join check that refuses a node whose value of one config key is missing or differs from the cluster's. */
abstract class KeyMatchCompatChecker extends JoinConfigCompatChecker {

  private final String key;

  KeyMatchCompatChecker(String key) {
    this.key = key;
  }

  @Override
  public Seq<String> requiredKeys() {
    return CollectionConverters.asScala(List.of(key)).toSeq();
  }

  @Override
  public ConfigValidation check(Config toCheck, Config actualConfig) {
    return JoinConfigCompatChecker.fullMatch(requiredKeys(), toCheck, actualConfig);
  }
}
