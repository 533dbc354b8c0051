package io.keyflow.sharding.internal.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.Valid$;
import org.junit.jupiter.api.Test;

class JournalFormatCompatCheckerTest {

  private static final Config CURRENT = ConfigFactory.load();

  @Test
  void aNodeOfTheSameFormatJoins() {
    assertEquals(Valid$.MODULE$, new JournalFormatCompatChecker().check(CURRENT, CURRENT));
  }

  @Test
  void aNodeOfTheOldFormatHasNoFormatKeyAndIsRefused() {
    Config old = ConfigFactory.parseString("keyflow.sharding.key-groups-per-shard = 1");
    Invalid invalid = assertInstanceOf(Invalid.class, new JournalFormatCompatChecker().check(old, CURRENT));
    assertEquals("keyflow.journal.format is missing", invalid.errorMessages().head());
  }

  @Test
  void anotherFormatIsRefused() {
    Config other = ConfigFactory.parseString("keyflow.journal.format = other");
    Invalid invalid = assertInstanceOf(Invalid.class, new JournalFormatCompatChecker().check(other, CURRENT));
    assertEquals("keyflow.journal.format is incompatible", invalid.errorMessages().head());
  }

  @Test
  void isRegisteredWithPekko() {
    assertEquals(JournalFormatCompatChecker.class.getName(),
        CURRENT.getString("pekko.cluster.configuration-compatibility-check.checkers.keyflow-journal-format"));
  }
}
