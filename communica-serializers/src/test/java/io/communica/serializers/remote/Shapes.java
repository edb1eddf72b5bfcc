package io.communica.serializers.remote;

import io.communica.core.HandlerFailedException;
import io.communica.core.RequestException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The implementation the tests expose. */
class Shapes implements Geometry {

  final AtomicInteger resets = new AtomicInteger();
  final BlockingQueue<String> logged = new LinkedBlockingQueue<>();

  @Override
  public int add(int a, int b) {
    return a + b;
  }

  @Override
  public Mono<Integer> addLater(int a, int b) {
    return Mono.fromSupplier(() -> a + b);
  }

  @Override
  public CompletableFuture<Integer> addAsync(int a, int b) {
    return CompletableFuture.supplyAsync(() -> a + b);
  }

  @Override
  public List<Point> shift(List<Point> points, Point by) {
    // p.x() fails with a ClassCastException unless the elements arrived as Points
    return points.stream().map(p -> new Point(p.x() + by.x(), p.y() + by.y())).toList();
  }

  @Override
  public Flux<Point> walk(List<Point> points, Point by) {
    return Flux.fromIterable(shift(points, by));
  }

  @Override
  public Map<String, List<Point>> byQuadrant(List<Point> points) {
    return points.stream()
        .collect(
            Collectors.groupingBy(
                p -> (p.x() >= 0 ? "+" : "-") + (p.y() >= 0 ? "+" : "-"), TreeMap::new,
                Collectors.toList()));
  }

  @Override
  public String describe() {
    return "shapes";
  }

  @Override
  public void reset() {
    resets.incrementAndGet();
  }

  @Override
  public void log(String line) {
    logged.add(line);
  }

  @Override
  public Point scale(Point p, int factor) {
    return new Point(p.x() * factor, p.y() * factor);
  }

  @Override
  public double area(double width, double height) {
    return width * height;
  }

  @Override
  public String place(Label label) {
    return label.text() + "@" + label.at().x() + "," + label.at().y();
  }

  @Override
  public Point at(List<Point> points, int index) throws OutOfBoundsException {
    if (index < 0 || index >= points.size()) {
      throw new OutOfBoundsException("no point " + index + " among " + points.size());
    }
    return points.get(index);
  }

  @Override
  public Mono<Point> atLater(List<Point> points, int index) throws OutOfBoundsException {
    return Mono.fromCallable(() -> at(points, index));
  }

  @Override
  public String fail(String how) {
    switch (how) {
      case "state" -> throw new IllegalStateException("no state");
      case "request" -> throw new RequestException("bad how", 42);
      case "declared-elsewhere" ->
          // a relayed failure naming a type that add() does not declare, nor any method here
          throw new HandlerFailedException(OutOfBoundsException.class.getName(), "not declared");
      case "unknown-class" -> throw new HandlerFailedException("com.example.Boom", "boom");
      default -> {
        return how;
      }
    }
  }

  @Override
  public String thread() {
    return Thread.currentThread().getName();
  }

  @Override
  public Mono<String> threadLater() {
    return Mono.just(Thread.currentThread().getName());
  }
}
