package io.keyflow.loadtests.autoscale;

/**
 * When to add or remove a node, from the cluster's load signal (the mean of the nodes'
 * {@code keyflow_load_signal}, 0 = idle, 1 = at a limit). Hysteresis three ways: the signal must stay
 * above {@code high} (below {@code low}) for several samples in a row, {@code low} is well below
 * {@code high}, and after a change no decision is taken for {@code cooldownSamples} samples, so the
 * cluster's own rebalancing does not trigger the next change. Pure: the caller feeds samples.
 */
final class ScalingPolicy {

  enum Decision { STAY, ADD_NODE, REMOVE_NODE }

  private final int min;
  private final int max;
  private final double high;
  private final double low;
  private final int upAfter;
  private final int downAfter;
  private final int cooldownSamples;
  private int above;
  private int below;
  private int cooldown;

  ScalingPolicy(int min, int max, double high, double low, int upAfter, int downAfter, int cooldownSamples) {
    if (min < 1 || max < min) {
      throw new IllegalArgumentException("need 1 <= min <= max, got " + min + ".." + max);
    }
    if (!(low >= 0 && low < high && high <= 1)) {
      throw new IllegalArgumentException("need 0 <= low < high <= 1, got low " + low + ", high " + high);
    }
    if (upAfter < 1 || downAfter < 1 || cooldownSamples < 0) {
      throw new IllegalArgumentException("sample counts must be positive");
    }
    this.min = min;
    this.max = max;
    this.high = high;
    this.low = low;
    this.upAfter = upAfter;
    this.downAfter = downAfter;
    this.cooldownSamples = cooldownSamples;
  }

  /** One sample: the mean signal of the running nodes (NaN when no node answered) and their count. */
  Decision sample(double signal, int nodes) {
    if (cooldown > 0) {
      cooldown--;
      return Decision.STAY;
    }
    if (Double.isNaN(signal)) {
      above = 0;
      below = 0;
      return Decision.STAY;
    }
    above = signal > high ? above + 1 : 0;
    below = signal < low ? below + 1 : 0;
    if (nodes < min) {
      return changed(Decision.ADD_NODE);
    }
    if (nodes > max) {
      return changed(Decision.REMOVE_NODE);
    }
    if (above >= upAfter && nodes < max) {
      return changed(Decision.ADD_NODE);
    }
    if (below >= downAfter && nodes > min) {
      return changed(Decision.REMOVE_NODE);
    }
    return Decision.STAY;
  }

  private Decision changed(Decision decision) {
    above = 0;
    below = 0;
    cooldown = cooldownSamples;
    return decision;
  }
}
