package io.communica.serializers;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Builds messages in the format {@link Violation} documents, from Jackson and Bean Validation. */
final class Violations {

  /** Jackson's advice to developers ("set ... to 'false' to allow"), noise to a peer. */
  private static final Pattern HINTS =
      Pattern.compile(
          "\\s*\\((?:but (?:might|could) if|set DeserializationConfig)[^)]*\\)"
              + "|:? ?disable DeserializationConfig\\S* to allow");

  private static final Comparator<Violation> ORDER =
      Comparator.comparing(Violation::path).thenComparing(Violation::message);

  private Violations() {}

  /** A summary line and the sorted list of violations under it. */
  static String format(String summary, List<Violation> violations) {
    List<Violation> sorted = new ArrayList<>(violations);
    sorted.sort(ORDER);
    int n = sorted.size();
    StringBuilder sb = new StringBuilder(summary.length() + 48 * Math.min(n, Violation.MAX_LISTED));
    sb.append(summary).append(" (").append(n).append(n == 1 ? " violation):" : " violations):");
    for (int i = 0; i < Math.min(n, Violation.MAX_LISTED); i++) {
      sb.append("\n  ").append(sorted.get(i));
    }
    if (n > Violation.MAX_LISTED) {
      sb.append("\n(and ").append(n - Violation.MAX_LISTED).append(" more)");
    }
    return sb.toString();
  }

  /** A Bean Validation violation, its path under {@code prefix} (an index or key, or empty). */
  static Violation of(String prefix, ConstraintViolation<?> v) {
    StringBuilder path = new StringBuilder(prefix);
    for (Path.Node node : v.getPropertyPath()) {
      if (node.isInIterable()) {
        Object at = node.getIndex() != null ? node.getIndex() : node.getKey();
        path.append('[').append(at != null ? at : "").append(']');
      }
      String name = node.getName();
      // a parameter's violation starts with its method's name: the parameter names the place
      if (name == null || node.getKind() == ElementKind.CONTAINER_ELEMENT
          || node.getKind() == ElementKind.BEAN || node.getKind() == ElementKind.METHOD) {
        continue;
      }
      if (path.length() > 0) {
        path.append('.');
      }
      path.append(name);
    }
    return new Violation(path.toString(), v.getMessage());
  }

  /** A value that does not fit its type, as a one-violation message with the path. */
  static String fromJackson(String format, Type type, JsonMappingException e) {
    return fromJackson("cannot decode " + format + " as " + type.getTypeName(), "", e);
  }

  /** Like {@link #fromJackson(String, Type, JsonMappingException)}, the path under a prefix. */
  static String fromJackson(String summary, String prefix, JsonMappingException e) {
    if (e instanceof InvalidDefinitionException) {
      // the type is at fault, not the data: no path to show
      return summary + ": " + clean(e.getOriginalMessage());
    }
    StringBuilder path = new StringBuilder(prefix);
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        path.append('[').append(r.getIndex()).append(']');
      }
    }
    String message;
    if (e instanceof UnrecognizedPropertyException u) {
      message = "unknown property" + known(u.getKnownPropertyIds());
    } else {
      message = clean(e.getOriginalMessage());
    }
    return format(summary, List.of(new Violation(path.toString(), message)));
  }

  private static String known(@Nullable Collection<Object> ids) {
    if (ids == null || ids.isEmpty()) {
      return "";
    }
    List<String> names = new ArrayList<>();
    for (Object id : ids) {
      names.add(String.valueOf(id));
    }
    names.sort(null);
    if (names.size() > 20) {
      return " (known: " + String.join(", ", names.subList(0, 20)) + ", ...)";
    }
    return " (known: " + String.join(", ", names) + ")";
  }

  /** Jackson's message without its location, source excerpt and configuration advice. */
  static String clean(@Nullable String message) {
    if (message == null) {
      return "no detail";
    }
    int nl = message.indexOf('\n');
    String first = nl >= 0 ? message.substring(0, nl) : message;
    return HINTS.matcher(first).replaceAll("").strip();
  }

  /** Where a parse error happened, e.g. {@code (at line 1, column 5)} or {@code (at byte 7)}. */
  static String location(JacksonException e) {
    JsonLocation at = e.getLocation();
    if (at == null) {
      return "";
    }
    if (at.getLineNr() > 0) {
      return " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
    return at.getByteOffset() >= 0 ? " (at byte " + at.getByteOffset() + ")" : "";
  }
}
