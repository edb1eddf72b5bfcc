package io.communica.bench.stacks;

import io.communica.bench.BenchCase;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/** Minimal subscribers for the workloads: no operators, one object per operation. */
final class Subscribers {

  private Subscribers() {}

  /**
   * A stream's subscriber: requests {@link BenchCase#STREAM_BATCH} items, then half of that each
   * time half arrived, counts items on the meter (a batch at a time), and cancels once the meter is
   * stopped. {@link #release} frees an item where the stack lends it.
   */
  static class Batched<T> implements CoreSubscriber<T> {
    private static final int HALF = BenchCase.STREAM_BATCH / 2;
    private final Meter meter;
    private @Nullable Subscription upstream;
    private int sinceRequest;

    Batched(Meter meter) {
      this.meter = meter;
    }

    @Override
    public final void onSubscribe(Subscription s) {
      upstream = s;
      s.request(BenchCase.STREAM_BATCH);
    }

    @Override
    public final void onNext(T item) {
      release(item);
      if (++sinceRequest == HALF) {
        sinceRequest = 0;
        meter.add(HALF);
        Subscription s = upstream;
        if (meter.stopped()) {
          s.cancel();
        } else {
          s.request(HALF);
        }
      }
    }

    void release(T item) {}

    @Override
    public final void onError(Throwable t) {
      meter.fail(t);
    }

    @Override
    public final void onComplete() {
      meter.fail(new IllegalStateException("the stream completed"));
    }
  }

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
