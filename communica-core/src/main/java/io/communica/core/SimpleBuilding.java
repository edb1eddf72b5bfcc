package io.communica.core;

import static java.util.Objects.requireNonNull;

/**
 * The one handler of a {@link SimpleServer} or {@link SimpleClient}, set on its builder.
 *
 * @param <B> the concrete builder
 */
interface SimpleBuilding<B> {

  /**
   * The handler for every request and message this entity receives: a server's from its clients,
   * a client's from its server. Default none: a peer asking this entity then gets {@link
   * ResponderException} of code {@link ResponderException#NO_HANDLER}.
   */
  @SuppressWarnings("unchecked")
  default B handler(Handler handler) {
    ((EntityBuilder<?>) this).handler = requireNonNull(handler, "handler");
    return (B) this;
  }
}
