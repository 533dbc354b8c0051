package io.keyflow.loadtests.chaos;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts links between local nodes with iptables rules on {@code lo} that name both loopback addresses
 * ({@code -i lo -s 127.0.0.a -d 127.0.0.b -j DROP}), and removes exactly the rules it added. Refuses
 * any address outside 127.0.0.0/8. {@link #reject} cuts them the way a firewall's REJECT policy on
 * the cut-off node does: what the others send it is answered with a TCP reset (ICMP port-unreachable
 * for other protocols), so their connects fail at once with "connection refused" as if nothing
 * listened, while its own connections to them go unanswered (docs/crash-detection.md).
 */
final class LinkCutter implements AutoCloseable {

  private final List<List<String>> added = new ArrayList<>();

  /** Whether iptables is installed and usable here (root, netfilter). */
  static boolean available() {
    return run(List.of("iptables", "-w", "-L", "INPUT", "-n")) == 0;
  }

  /** Drops all traffic between {@code host} and each of {@code others}, both ways; true if every rule was added. */
  synchronized boolean isolate(String host, List<String> others) {
    boolean all = true;
    for (String other : others) {
      all &= add(host, other, List.of("-j", "DROP")) & add(other, host, List.of("-j", "DROP"));
    }
    return all;
  }

  /**
   * Rejects all traffic from each of {@code others} to {@code host}: TCP with a reset, the rest with
   * port-unreachable; true if every rule was added. One way only: on loopback a rule for the other
   * direction would also swallow the resets these rules send.
   */
  synchronized boolean reject(String host, List<String> others) {
    List<String> tcp = List.of("-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset");
    List<String> rest = List.of("-j", "REJECT", "--reject-with", "icmp-port-unreachable");
    boolean all = true;
    for (String other : others) {
      // Inserted at the top: the TCP rule goes in last so that it is matched first.
      all &= add(other, host, rest) & add(other, host, tcp);
    }
    return all;
  }

  private boolean add(String from, String to, List<String> target) {
    if (!from.startsWith("127.") || !to.startsWith("127.")) {
      throw new IllegalArgumentException("only loopback addresses may be cut: " + from + " -> " + to);
    }
    List<String> rule = new ArrayList<>(List.of("INPUT", "-i", "lo", "-s", from, "-d", to));
    rule.addAll(target);
    if (run(command("-I", rule)) != 0) {
      return false;
    }
    added.add(List.copyOf(rule));
    return true;
  }

  /** Removes every rule this cutter added. */
  synchronized void heal() {
    for (List<String> rule : added) {
      if (run(command("-D", rule)) != 0) {
        System.out.println("chaos: could not remove iptables rule " + String.join(" ", rule));
      }
    }
    added.clear();
  }

  synchronized int activeRules() {
    return added.size();
  }

  @Override
  public void close() {
    heal();
  }

  private static List<String> command(String action, List<String> rule) {
    List<String> command = new ArrayList<>(List.of("iptables", "-w", action));
    command.addAll(rule);
    return command;
  }

  private static int run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return process.waitFor();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
