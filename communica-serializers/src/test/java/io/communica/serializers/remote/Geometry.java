package io.communica.serializers.remote;

import io.communica.core.OneWay;
import io.communica.core.RouteName;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** An interface with one method of each kind the proxy supports. */
public interface Geometry {

  record Point(int x, int y) {}

  record Label(@NotBlank String text, @Valid Point at) {}

  /** A declared checked exception, built on the caller's side through its (String) constructor. */
  final class OutOfBoundsException extends Exception {
    public OutOfBoundsException(String message) {
      super(message);
    }
  }

  int add(int a, int b);

  Mono<Integer> addLater(int a, int b);

  CompletableFuture<Integer> addAsync(int a, int b);

  List<Point> shift(List<Point> points, Point by);

  /** The points of {@link #shift}, one item each: a stream. */
  Flux<Point> walk(List<Point> points, Point by);

  Map<String, List<Point>> byQuadrant(List<Point> points);

  String describe();

  void reset();

  @OneWay
  void log(String line);

  @RouteName("geometry.scale")
  Point scale(Point p, int factor);

  double area(@Positive double width, @Positive double height);

  String place(Label label);

  Point at(List<Point> points, int index) throws OutOfBoundsException;

  Mono<Point> atLater(List<Point> points, int index) throws OutOfBoundsException;

  String fail(String how);

  String thread();

  Mono<String> threadLater();

  /** Local: runs in the caller, calling {@link #add} remotely. */
  default int twice(int a) {
    return add(a, a);
  }
}
