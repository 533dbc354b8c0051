package io.keyflow.sharding;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a node whose journal format ({@code keyflow.journal.format}) differs from the cluster's,
 * or that has none (a node from before the epoch-fenced journal): its key groups would write a
 * journal the others do not read, and its appends would not be fenced against theirs. Registered
 * in this module's reference.conf; Pekko runs it on every join.
 */
public final class JournalFormatCompatChecker extends JoinConfigCompatChecker {

  static final String KEY = "keyflow.journal.format";

  @Override
  public Seq<String> requiredKeys() {
    return CollectionConverters.asScala(List.of(KEY)).toSeq();
  }

  @Override
  public ConfigValidation check(Config toCheck, Config actualConfig) {
    return JoinConfigCompatChecker.fullMatch(requiredKeys(), toCheck, actualConfig);
  }
}
