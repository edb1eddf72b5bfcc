package io.communica.core;

import io.communica.core.transport.ConnectorUri;
import java.util.Set;

/**
 * Registers a transport's URI schemes for {@link Connector#load(String)}. Transport modules list
 * their provider in {@code META-INF/services/io.communica.core.ConnectorProvider}.
 *
 * @since 0.1
 */
public abstract class ConnectorProvider {

  /** For transport modules. */
  protected ConnectorProvider() {}

  /** The schemes this provider loads, e.g. {@code tcp} and {@code tcps}. */
  public abstract Set<String> schemes();

  /**
   * Builds the connector a dumped string describes.
   *
   * @throws IllegalArgumentException naming what is wrong with the string
   */
  public abstract Connector load(ConnectorUri uri);
}
