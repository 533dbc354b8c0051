package io.keyflow.pipeline.engine;

import io.keyflow.pipeline.Aggregation;

/**
 * The running value of one built-in aggregation in one window. Integer inputs are summed exactly
 * as longs; the first non-integer input switches the sum to double, as a Java {@code long + double}
 * would. Mutable, owned by one {@link WindowState}; serialized as part of the stage state.
 */
public final class Accumulator {
  public long count;
  public long longSum;
  public double doubleSum;
  public boolean floating;
  public Number min;
  public Number max;

  public Accumulator() {}

  public void add(Number value) {
    count++;
    if (value == null) {
      return;
    }
    if (isIntegral(value)) {
      longSum += value.longValue();
    } else {
      floating = true;
      doubleSum += value.doubleValue();
    }
    if (min == null || compare(value, min) < 0) {
      min = value;
    }
    if (max == null || compare(value, max) > 0) {
      max = value;
    }
  }

  public void merge(Accumulator other) {
    count += other.count;
    longSum += other.longSum;
    doubleSum += other.doubleSum;
    floating |= other.floating;
    if (other.min != null && (min == null || compare(other.min, min) < 0)) {
      min = other.min;
    }
    if (other.max != null && (max == null || compare(other.max, max) > 0)) {
      max = other.max;
    }
  }

  /** The result of {@code fn} over what was added: Long for exact integers, Double otherwise. */
  public Object result(Aggregation.Function fn) {
    switch (fn) {
      case COUNT:
        return count;
      case SUM:
        return floating ? (Object) (longSum + doubleSum) : (Object) longSum;
      case MIN:
        return normalize(min);
      case MAX:
        return normalize(max);
      case AVG:
        return count == 0 ? null : (longSum + doubleSum) / count;
      default:
        throw new IllegalStateException("unknown function " + fn);
    }
  }

  private static Object normalize(Number n) {
    if (n == null) {
      return null;
    }
    return isIntegral(n) ? (Object) n.longValue() : (Object) n.doubleValue();
  }

  private static boolean isIntegral(Number n) {
    return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte
        || n instanceof java.math.BigInteger;
  }

  private static int compare(Number a, Number b) {
    if (isIntegral(a) && isIntegral(b)) {
      return Long.compare(a.longValue(), b.longValue());
    }
    return Double.compare(a.doubleValue(), b.doubleValue());
  }
}
