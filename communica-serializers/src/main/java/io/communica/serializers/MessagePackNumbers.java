package io.communica.serializers;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import java.io.IOException;

/**
 * Range checks msgpack's Jackson parser leaves out: it narrows a 64-bit integer to an {@code int}
 * (or an unsigned 64-bit one to a {@code long}) by dropping the high bits, so 5 000 000 000 would
 * arrive in an {@code int} field as 705 032 704. Here such a value is an error, as it is in JSON.
 */
final class MessagePackNumbers extends JsonParserDelegate {

  MessagePackNumbers(JsonParser parser) {
    super(parser);
  }

  @Override
  public int getIntValue() throws IOException {
    if (currentToken() == JsonToken.VALUE_NUMBER_INT && getNumberType() != NumberType.INT) {
      throw outOfRange("int", Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.TYPE);
    }
    return delegate.getIntValue();
  }

  @Override
  public long getLongValue() throws IOException {
    if (currentToken() == JsonToken.VALUE_NUMBER_INT && getNumberType() == NumberType.BIG_INTEGER) {
      throw outOfRange("long", Long.MIN_VALUE, Long.MAX_VALUE, Long.TYPE);
    }
    return delegate.getLongValue();
  }

  @Override
  public short getShortValue() throws IOException {
    int value = getIntValue();
    if (value < Short.MIN_VALUE || value > Short.MAX_VALUE) {
      throw outOfRange("short", Short.MIN_VALUE, Short.MAX_VALUE, Short.TYPE);
    }
    return (short) value;
  }

  @Override
  public byte getByteValue() throws IOException {
    int value = getIntValue();
    // Jackson accepts -128..255 for a byte, as unsigned values are common
    if (value < Byte.MIN_VALUE || value > 255) {
      throw outOfRange("byte", Byte.MIN_VALUE, 255, Byte.TYPE);
    }
    return (byte) value;
  }

  private InputCoercionException outOfRange(String type, long min, long max, Class<?> target)
      throws IOException {
    return new InputCoercionException(
        this,
        "Numeric value (" + getText() + ") out of range of " + type + " (" + min + " - " + max + ")",
        JsonToken.VALUE_NUMBER_INT,
        target);
  }
}
