package io.communica.hub;

import java.util.List;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

/** A subscriber that asks for one event and then nothing until told to take all. */
final class SlowSubscriber<T> extends BaseSubscriber<Event<T>> {
  private final List<Event<T>> got;

  SlowSubscriber(List<Event<T>> got) {
    this.got = got;
  }

  @Override
  protected void hookOnSubscribe(Subscription subscription) {
    subscription.request(1);
  }

  @Override
  protected void hookOnNext(Event<T> value) {
    got.add(value);
  }

  void requestAll() {
    request(Long.MAX_VALUE);
  }
}
