package io.keyflow.sharding.internal.failure;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.Address;

/** One TCP connection attempt to a member's remoting port, closed at once (no bytes sent). */
final class Probe {

  /** OPEN: something listens; REFUSED: the host answered that nothing does; UNKNOWN: no answer or another error. */
  enum Outcome { OPEN, REFUSED, UNKNOWN }

  private Probe() {}

  /** Connects block (up to the timeout when a host drops packets): on a daemon thread of their own. */
  static ExecutorService executor() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "keyflow-crash-prober");
      t.setDaemon(true);
      return t;
    });
  }

  static Outcome connect(Address address, Duration timeout) {
    return connect(address, null, timeout);
  }

  /**
   * From {@code fromHost} (null: any local address): the host of this node's own remoting address,
   * which its cluster connections leave from too (artery's outbound-client-hostname). The probe
   * then takes their path; from another source address a firewall rule between the two nodes would
   * go unseen (on loopback the kernel's default source is 127.0.0.1).
   */
  static Outcome connect(Address address, String fromHost, Duration timeout) {
    if (address.getHost().isEmpty() || address.getPort().isEmpty()) {
      return Outcome.UNKNOWN;
    }
    return connect(address.getHost().get(), address.getPort().get(), fromHost, timeout);
  }

  static Outcome connect(String host, int port, Duration timeout) {
    return connect(host, port, null, timeout);
  }

  static Outcome connect(String host, int port, String fromHost, Duration timeout) {
    try (Socket socket = new Socket()) {
      if (fromHost != null) {
        socket.bind(new InetSocketAddress(fromHost, 0));
      }
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return Outcome.OPEN;
    } catch (ConnectException e) {
      // "Connection refused" (a TCP reset); "No route to host" and the like say nothing of the process.
      String message = e.getMessage();
      return message != null && message.contains("refused") ? Outcome.REFUSED : Outcome.UNKNOWN;
    } catch (IOException | RuntimeException e) {
      return Outcome.UNKNOWN;
    }
  }
}
