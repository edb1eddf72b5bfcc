package io.communica.core;

/**
 * Route registration, shared by the builders of {@link RouteClient} and {@link RouteServer}.
 *
 * @param <B> the concrete builder
 */
interface RouteBuilding<B> {

  /** The table the builder collects its routes in: every route builder is an entity builder. */
  private RouteTable table() {
    return ((EntityBuilder<?>) this).routes;
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /**
   * Adds a handler for {@code route}.
   *
   * @throws IllegalArgumentException if the route already has a handler
   */
  default B route(String route, Handler handler) {
    table().route(route, handler);
    return self();
  }

  /**
   * Adds a handler for a typed route, e.g. {@code route(ADD, ADD.blocking(...))}.
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   */
  default B route(Route<?, ?> route, Handler handler) {
    table().route(route, handler);
    return self();
  }

  /**
   * Adds a handler for a typed stream route, e.g. {@code route(JOB, JOB.handler(...))}.
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   * @since 0.2
   */
  default B route(StreamRoute<?, ?> route, Handler handler) {
    table().route(route, handler);
    return self();
  }

  /**
   * Adds a handler for a typed channel route, e.g. {@code route(CHAT, CHAT.handler(...))}.
   *
   * @throws IllegalArgumentException if the route already has a handler or the types differ
   * @since 0.2
   */
  default B route(ChannelRoute<?, ?> route, Handler handler) {
    table().route(route, handler);
    return self();
  }

  /**
   * Adds a route per method of the interface {@code type}, each calling {@code impl}; see {@link
   * RouteServer#expose}.
   *
   * @throws IllegalArgumentException if the interface cannot be exposed or a route already has a
   *     handler; nothing is added then
   * @since 0.1
   */
  default <T> B expose(Class<T> type, T impl) {
    table().expose(type, impl);
    return self();
  }

  /**
   * Adds every route of a table.
   *
   * @throws IllegalArgumentException naming the routes both have; nothing is added then
   */
  default B routes(RouteTable table) {
    table().join(table);
    return self();
  }
}
