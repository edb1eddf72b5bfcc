package io.communica.serializers;

import io.communica.core.SerializationException;
import java.util.Arrays;

/**
 * Walks MessagePack bytes once before Jackson reads them, without recursion or allocation by a
 * declared length: refuses nesting deeper than the limit (msgpack's Jackson parser has none),
 * strings longer than the limit, lengths and element counts larger than the bytes
 * that follow, bytes msgpack never uses, and anything after the one top-level value.
 */
final class MessagePackScanner {

  private MessagePackScanner() {}

  static void check(byte[] b, int offset, int length, int maxDepth, int maxStringLength) {
    int end = offset + length;
    int p = offset;
    // values still to read in each open container; [0] is the top level
    long[] remaining = new long[Math.min(maxDepth, 15) + 1];
    int depth = 0;
    remaining[0] = 1;
    while (true) {
      while (remaining[depth] == 0) {
        if (depth == 0) {
          if (p != end) {
            throw error((end - p) + " bytes after the value", p - offset);
          }
          return;
        }
        depth--;
      }
      if (p >= end) {
        throw error("the data ends inside a value", p - offset);
      }
      remaining[depth]--;
      int at = p;
      int t = b[p++] & 0xff;
      long elements = -1;
      long bytes = 0;
      boolean text = false;
      if (t <= 0x7f || t >= 0xe0) {
        // positive or negative fixint
      } else if (t <= 0x8f) {
        elements = 2L * (t & 0x0f);
      } else if (t <= 0x9f) {
        elements = t & 0x0f;
      } else if (t <= 0xbf) {
        bytes = t & 0x1f;
        text = true;
      } else {
        int size =
            switch (t) {
              case 0xc0, 0xc2, 0xc3 -> 0; // nil, false, true
              case 0xc4, 0xc7, 0xcc, 0xd0, 0xd9 -> 1;
              case 0xc5, 0xc8, 0xcd, 0xd1, 0xda, 0xdc, 0xde -> 2;
              case 0xc6, 0xc9, 0xca, 0xce, 0xd2, 0xdb, 0xdd, 0xdf -> 4;
              case 0xcb, 0xcf, 0xd3 -> 8;
              case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 -> 0;
              default -> throw error("byte 0x" + Integer.toHexString(t) + " is not msgpack", at - offset);
            };
        if (size > end - p) {
          throw error("the data ends inside a value", at - offset);
        }
        long n = 0;
        for (int i = 0; i < size; i++) {
          n = n << 8 | (b[p + i] & 0xff);
        }
        switch (t) {
          case 0xd9, 0xda, 0xdb -> {
            bytes = n;
            text = true;
            p += size;
          }
          case 0xc4, 0xc5, 0xc6 -> {
            bytes = n;
            p += size;
          }
          case 0xc7, 0xc8, 0xc9 -> {
            bytes = n + 1; // the extension type byte, then the data
            p += size;
          }
          case 0xd4 -> bytes = 2;
          case 0xd5 -> bytes = 3;
          case 0xd6 -> bytes = 5;
          case 0xd7 -> bytes = 9;
          case 0xd8 -> bytes = 17;
          case 0xdc, 0xdd -> {
            elements = n;
            p += size;
          }
          case 0xde, 0xdf -> {
            elements = 2 * n;
            p += size;
          }
          default -> bytes = size; // numbers: the bytes read above are the value
        }
      }
      if (text && bytes > maxStringLength) {
        throw error(
            "a string of " + bytes + " bytes is longer than the limit of "
                + maxStringLength,
            at - offset);
      }
      if (bytes > end - p) {
        throw error("a value declares " + bytes + " bytes but only " + (end - p) + " follow", at - offset);
      }
      p += (int) bytes;
      if (elements >= 0) {
        if (depth + 1 > maxDepth) {
          throw error("nesting depth exceeds the limit of " + maxDepth, at - offset);
        }
        if (elements > end - p) {
          // every element takes at least one byte
          throw error(
              "a container declares " + elements + " values but only " + (end - p) + " bytes follow",
              at - offset);
        }
        if (elements > 0) {
          depth++;
          if (depth == remaining.length) {
            remaining = Arrays.copyOf(remaining, Math.min(maxDepth, remaining.length * 2) + 1);
          }
          remaining[depth] = elements;
        }
      }
    }
  }

  private static SerializationException error(String what, int at) {
    return new SerializationException("cannot decode msgpack: " + what + " (at byte " + at + ")");
  }
}
