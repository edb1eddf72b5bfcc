package io.communica.bench.stacks;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/** Minimal subscribers for the workloads: no operators, one object per operation. */
final class Subscribers {

  private Subscribers() {}

  /** Requests everything on subscribe; subclasses handle the signals. */
  abstract static class Base<T> implements CoreSubscriber<T> {
    @Override
    public final void onSubscribe(Subscription s) {
      s.request(Long.MAX_VALUE);
    }
  }
}
