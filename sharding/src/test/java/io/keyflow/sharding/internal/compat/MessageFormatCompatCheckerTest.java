package io.keyflow.sharding.internal.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.Valid$;
import org.junit.jupiter.api.Test;

class MessageFormatCompatCheckerTest {

  private static final Config CURRENT = ConfigFactory.load();

  @Test
  void aNodeOfTheSameFormatJoins() {
    assertEquals(Valid$.MODULE$, new MessageFormatCompatChecker().check(CURRENT, CURRENT));
  }

  @Test
  void aNodeThatSentJacksonCborHasNoFormatKeyAndIsRefused() {
    Config old = ConfigFactory.parseString("keyflow.sharding.key-groups-per-shard = 1");
    Invalid invalid = assertInstanceOf(Invalid.class, new MessageFormatCompatChecker().check(old, CURRENT));
    assertEquals("keyflow.persistence.message-format is missing", invalid.errorMessages().head());
  }

  @Test
  void anotherFormatIsRefused() {
    Config other = ConfigFactory.parseString("keyflow.persistence.message-format = other");
    Invalid invalid = assertInstanceOf(Invalid.class, new MessageFormatCompatChecker().check(other, CURRENT));
    assertEquals("keyflow.persistence.message-format is incompatible", invalid.errorMessages().head());
  }

  @Test
  void aNodeOfTheVersionBeforeTheMessagesMovedPackagesIsRefused() {
    // compact-1 nodes name the crash detector's, the ingest gateway's and the cluster figures' messages
    // by their old classes (Jackson's manifests), which this version cannot read, nor they this one's.
    Config before = ConfigFactory.parseString("keyflow.persistence.message-format = compact-1");
    Invalid invalid = assertInstanceOf(Invalid.class, new MessageFormatCompatChecker().check(before, CURRENT));
    assertEquals("keyflow.persistence.message-format is incompatible", invalid.errorMessages().head());
  }

  @Test
  void isRegisteredWithPekko() {
    assertEquals(MessageFormatCompatChecker.class.getName(),
        CURRENT.getString("pekko.cluster.configuration-compatibility-check.checkers.keyflow-message-format"));
  }
}
