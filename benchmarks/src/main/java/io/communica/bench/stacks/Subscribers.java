package io.communica.bench.stacks;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/** Minimal subscribers for the workloads: no operators, one object per operation. */
final class Subscribers {

  private Subscribers() {}

  /**
   * Requests everything on subscribe, counts a completed operation or a failure on the meter, then
   * calls {@link #afterComplete()} or {@link #afterError()}.
   */
  abstract static class Counted<T> implements CoreSubscriber<T> {
    final Meter meter;

    Counted(Meter meter) {
      this.meter = meter;
    }

    @Override
    public final void onSubscribe(Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(@Nullable T value) {}

    @Override
    public final void onError(Throwable t) {
      meter.fail(t);
      afterError();
    }

    @Override
    public final void onComplete() {
      meter.add(1);
      afterComplete();
    }

    /** After a counted completion: e.g. issue the next operation. */
    void afterComplete() {}

    /** After a counted failure. */
    void afterError() {}
  }
}
