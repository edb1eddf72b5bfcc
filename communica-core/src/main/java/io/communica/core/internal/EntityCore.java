package io.communica.core.internal;

import io.communica.core.Connector;
import io.communica.core.Handler;
import io.communica.core.internal.session.Routes;

/** What every entity's core offers the entity classes: lifecycle and configuration. */
public interface EntityCore {

  EntityConfig config();

  /** The entity's handlers, changeable while it runs. */
  Routes routes();

  /** Adds a handler while the entity runs; see {@link Routes#add}. */
  default void addRoute(String route, Handler handler) {
    routes().add(route, handler);
  }

  /** Removes a handler while the entity runs; see {@link Routes#remove}. */
  default boolean removeRoute(String route) {
    return routes().remove(route);
  }

  /** The connector: a server's bound one once started. */
  Connector connector();

  /** Starts connecting or listening; idempotent while running. */
  void start();

  /** Closes; idempotent. Once it returned, every state query says closed. */
  void close();

  boolean isClosed();

  /** Blocks until {@link #close()} was called. */
  void awaitClose() throws InterruptedException;
}
