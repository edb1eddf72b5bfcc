package io.communica.core.internal.planted;

/**
 * Stands for a class of core's internal packages in the architecture test's own test: it lives in
 * this module's test sources, so that the planted violation does not depend on which internal
 * classes core has.
 */
public final class PlantedInternal {

  private PlantedInternal() {}

  /** Something to call. */
  public static int answer() {
    return 42;
  }
}
